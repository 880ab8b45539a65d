import Logging
import NatterCore
import NatterWire

extension NatterDaemon {
    func handle(_ event: LinkEvent) {
        switch event {
        case .up(let peer, let name, let remoteHost):
            guard peer != identity.fingerprint, admit(peer, claiming: name) else { return }
            let isNew = linked.insert(peer).inserted
            linkHosts[peer] = remoteHost
            dialAttempts[peer] = nil
            if !name.isEmpty { names[peer] = name }
            remember(peer)
            guard isNew else { return }
            logger.info("colleague online", metadata: ["peer": "\(peer.compact.prefix(8))", "name": "\(self.name(of: peer))"])
            events.publish("peer", peerView(peer))
            flushOutbox(to: peer)
            // Session state exists only while both are online: tell the newly
            // linked colleague what this user's windows currently show.
            emit(sessionStates.peerCameOnline(peer, at: clock.now))
        case .down(let peer):
            guard linked.remove(peer) != nil else { return }
            linkHosts[peer] = nil
            logger.info("colleague offline", metadata: ["peer": "\(peer.compact.prefix(8))"])
            publishShown(sessionStates.peerWentOffline(peer))
            events.publish("peer", peerView(peer))
        case .received(let frame, let peer):
            // Frames from a link the daemon has not admitted (a refused name,
            // or one still closing) are not this colleague's words.
            guard linked.contains(peer) else { return }
            switch frame {
            case .chat(let sequence, let id, let sentAt, let text):
                receiveChat(id: id, sequence: sequence, sentAt: sentAt, text: text, from: peer)
            case .ack(_, let id):
                receiveAck(id, from: peer)
            case .state(let sequence, let state, let source):
                logger.debug("state event in", metadata: ["peer": "\(peer.compact)", "state": "\(state.name)", "window": "\(source)", "sequence": "\(sequence)"])
                publishShown(sessionStates.remoteState(state, source: source, sequence: sequence, from: peer, at: clock.now))
                rescheduleTimer()
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
        case .failed(let error):
            // A pin that cannot be saved would be forgotten at restart; refuse
            // rather than trust silently.
            logger.error("refused \(name)'s link: \(error)", metadata: ["fingerprint": "\(peer)"])
            links.disconnect(peer)
            return false
        }
    }

    func remember(_ peer: DeviceFingerprint) {
        do {
            try store.rememberPeer(peer, displayName: names[peer] ?? discovered[peer]?.name ?? "", seenAt: now())
        } catch {
            logger.error("could not remember a colleague", metadata: ["error": "\(error)"])
        }
    }

    func peerView(_ peer: DeviceFingerprint) -> PeerView {
        PeerView(
            fingerprint: peer.compact, name: name(of: peer), online: linked.contains(peer),
            status: linked.contains(peer) ? (discovered[peer]?.status ?? "available") : nil,
            state: sessionStates.shown(for: peer).name, lastSeen: now(), shareState: overrides[peer])
    }

    func peerViews() -> [PeerView] {
        let lastSeen = Dictionary((try? store.knownPeers())?.map { ($0.fingerprint, $0.lastSeen) } ?? [], uniquingKeysWith: max)
        return candidates().map { candidate in
            var view = peerView(candidate.fingerprint)
            if !view.online { view.lastSeen = lastSeen[candidate.fingerprint] ?? 0 }
            return view
        }.sorted { ($0.online ? 0 : 1, $0.name) < ($1.online ? 0 : 1, $1.name) }
    }
}
