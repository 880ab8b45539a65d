import Logging
import NatterAPI
import NatterCore
import NatterWire

extension NatterDaemon {
    func handle(_ event: LinkEvent) {
        switch event {
        case .up(let peer, let name, let remoteHost, let relayed):
            // Every hello is checked, a replacement link's too (it may claim another name).
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
            send(.features(.supported), to: peer)
            // Session state exists only while both are online: tell the newly
            // linked colleague what this user's windows currently show.
            emit(sessionStates.peerCameOnline(peer))
        case .down(let peer):
            guard directory.linkDown(peer) else { return }
            logger.info("colleague offline", metadata: ["peer": "\(peer.compact.prefix(8))"])
            publishShown(sessionStates.peerWentOffline(peer))
            groupLinkDown(peer)
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
            case .group(let sequence, let group):
                receiveGroupFrame(group, sequence: sequence, from: peer)
            case .features(let features):
                peerAnnounced(features, by: peer)
            case .keepalive, .goodbye, .hello:
                break
            }
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
        directory.refresh(pins: pins.table)
        let remembered = (try? store.knownPeers()) ?? []
        let lastSeen = Dictionary(remembered.map { ($0.fingerprint, $0.lastSeen) }, uniquingKeysWith: max)
        return directory.candidates.map { candidate in
            let peer = candidate.fingerprint
            return peerView(peer, lastSeen: directory.isLinked(peer) ? nil : lastSeen[peer] ?? 0)
        }.sorted { ($0.online ? 0 : 1, $0.name) < ($1.online ? 0 : 1, $1.name) }
    }
}
