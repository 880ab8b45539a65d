import Logging
import NatterCore

extension NatterDaemon {
    func handle(_ event: LinkEvent) {
        switch event {
        case .up(let peer, let name, let remoteHost):
            guard peer != identity.fingerprint else { return }
            let isNew = linked.insert(peer).inserted
            linkHosts[peer] = remoteHost
            dialAttempts[peer] = nil
            if let name, !name.isEmpty { names[peer] = name }
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
        case .received(let payload, let peer):
            switch payload {
            case .chat(let id, let sequence, let sentAt, let text):
                receiveChat(id: id, sequence: sequence, sentAt: sentAt, text: text, from: peer)
            case .ack(let id):
                receiveAck(id, from: peer)
            case .state(let state, let source, let sequence):
                guard linked.contains(peer) else { return }
                logger.debug("state event in", metadata: ["peer": "\(peer.compact)", "state": "\(state.name)", "window": "\(source)", "sequence": "\(sequence)"])
                publishShown(sessionStates.remoteState(state, source: source, sequence: sequence, from: peer, at: clock.now))
                rescheduleTimer()
            }
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
