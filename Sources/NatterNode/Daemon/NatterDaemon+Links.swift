import Logging
import NatterAPI
import NatterCore
import NatterWire

extension NatterDaemon {
    func handle(_ event: LinkEvent) {
        switch event {
        case .up(let peer, let name, let remoteHost, let relayed):
            guard peer != identity.fingerprint, admit(peer, claiming: name) else { return }
            dialling.linked(peer, relayed: relayed)
            let cameOnline = directory.linkUp(peer, name: name, host: remoteHost, relayed: relayed)
            remember(peer)
            guard cameOnline else { return }
            logger.info(
                "colleague online",
                metadata: ["peer": "\(peer.compact.prefix(8))", "name": "\(self.name(of: peer))", "link": "\(relayed ? "relayed" : "direct")"])
            events.publish(.peer(peerView(peer)))
            flushOutbox(to: peer)
            // Session state exists only while both are online: tell the newly
            // linked colleague what this user's windows currently show.
            emit(sessionStates.peerCameOnline(peer))
        case .down(let peer):
            guard directory.linkDown(peer) else { return }
            logger.info("colleague offline", metadata: ["peer": "\(peer.compact.prefix(8))"])
            publishShown(sessionStates.peerWentOffline(peer))
            events.publish(.peer(peerView(peer)))
        case .received(let frame, let peer):
            // Frames from a link the daemon has not admitted (a refused name,
            // or one still closing) are not this colleague's words.
            guard directory.isLinked(peer) else { return }
            switch frame {
            case .chat(let sequence, let id, let sentAt, let text):
                receiveChat(id: id, sequence: sequence, sentAt: sentAt, text: text, from: peer)
            case .ack(_, let id):
                receiveAck(id, from: peer)
            case .state(let sequence, let state, let source):
                logger.debug("state event in", metadata: ["peer": "\(peer.compact)", "state": "\(state)", "window": "\(source)", "sequence": "\(sequence)"])
                publishShown(sessionStates.remoteState(state, source: source, sequence: sequence, from: peer, at: clock.now))
            case .keepalive, .goodbye, .hello:
                break
            }
        }
    }

    /// Trust on first use, decided here rather than on an event loop: the
    /// first device seen under a name is pinned; another key under that name
    /// is refused (loudly) until the user runs `natter trust NAME`.
    /// - Returns: whether the link may be used.
    func admit(_ peer: DeviceFingerprint, claiming name: String) -> Bool {
        switch pins.check(name: name, fingerprint: peer) {
        case .known:
            return true
        case .firstContact:
            logger.info("pinned \(name)'s device key on first contact", metadata: ["fingerprint": "\(peer)"])
            return true
        case .conflict(let pinned):
            logger.critical(
                "REFUSED: \"\(name)\" presented a different device key. Pinned: \(pinned). Presented: \(peer). If \(name) really reinstalled, compare fingerprints in person, then run: natter trust \"\(name)\"")
            links.disconnect(peer)
            return false
        case .unpinnableName:
            logger.warning("refused a link whose name cannot be shown or pinned (empty or with control characters)", metadata: ["fingerprint": "\(peer)"])
            links.disconnect(peer)
            return false
        case .failed(let error):
            // A pin that cannot be saved would be forgotten at restart and the
            // next key under this name trusted silently: refuse instead.
            logger.error("refused \(name)'s link because \(error)", metadata: ["fingerprint": "\(peer)"])
            links.disconnect(peer)
            return false
        }
    }

    func remember(_ peer: DeviceFingerprint) {
        do {
            try store.rememberPeer(peer, displayName: directory.knownName(of: peer) ?? "", seenAt: clock.unixMilliseconds)
        } catch {
            logRepeating(.error, "could not remember a colleague", error: error)
        }
    }

    func peerView(_ peer: DeviceFingerprint, lastSeen: UInt64? = nil) -> PeerView {
        PeerView(
            fingerprint: peer.compact, name: name(of: peer), online: directory.isLinked(peer),
            status: directory.status(of: peer), state: sessionStates.shown(for: peer),
            lastSeen: lastSeen ?? clock.unixMilliseconds, shareState: directory.overrides[peer], link: directory.path(to: peer))
    }

    /// Every known colleague, online first, then by name.
    func peerViews() -> [PeerView] {
        let remembered = (try? store.knownPeers()) ?? []
        let lastSeen = Dictionary(remembered.map { ($0.fingerprint, $0.lastSeen) }, uniquingKeysWith: max)
        return directory.candidates.map { candidate in
            let peer = candidate.fingerprint
            return peerView(peer, lastSeen: directory.isLinked(peer) ? nil : lastSeen[peer] ?? 0)
        }.sorted { ($0.online ? 0 : 1, $0.name) < ($1.online ? 0 : 1, $1.name) }
    }
}
