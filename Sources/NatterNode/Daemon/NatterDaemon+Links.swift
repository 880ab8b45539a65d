import Logging
import NatterAPI
import NatterCore
import NatterDiscovery
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
            guard cameOnline else {
                // A replacement: what went on the link it replaced may be
                // lost (a dead link after an address change; the loser of
                // two crossing dials, closed by the colleague unread): send
                // what is not acknowledged now rather than at the resend
                // round, and what this user's windows show now rather than
                // at the next refresh (up to 20 s). The features frame goes on
                // every link (§5.9): the peer keeps what a link announced with
                // that link (the UDP echo, §6.5).
                flushOutbox(to: peer)
                send(.features(.supported), to: peer)
                emit(sessionStates.peerCameOnline(peer))
                return
            }
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
            // A link that closed by itself just after this machine rejoined
            // (its close was on the way when the links were dropped) is dialled
            // again at once, like the dropped ones; otherwise at the next round.
            if dialling.dialsEveryoneAtOnce(at: clock.now) {
                dial(dialling.due(only: .device(peer), directory: directory, at: clock.now))
            }
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
                // Behind a message from the same colleague that is still being
                // stored, a state waits for that commit: the message shows first,
                // as it was sent (`NatterDaemon+GroupCommit.swift`).
                guard !awaitingCommit(from: peer) else {
                    enqueue(.stateAfterMessages(state, source: source, sequence: sequence, from: peer))
                    return
                }
                applyRemoteState(state, source: source, sequence: sequence, from: peer)
            case .group(let sequence, let group):
                receiveGroupFrame(group, sequence: sequence, from: peer)
            case .features(let features):
                peerAnnounced(features, by: peer)
                if features.contains(.presence), directory.takesPresenceOnLink(peer) { send(.presence(presence), to: peer) }
            case .presence(let status):
                if directory.linkPresence(status, of: peer) { events.publish(.peer(peerView(peer))) }
            case .keepalive, .goodbye, .hello, .echo:
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
        let (name, state) = (name(of: peer), sessionStates.shown(for: peer))
        return PeerView(
            fingerprint: peer.compact, name: name, online: directory.isLinked(peer),
            status: directory.status(of: peer), state: state,
            lastSeen: lastSeen ?? clock.unixMilliseconds, shareState: directory.overrides[peer], link: directory.path(to: peer),
            text: displayText(for: state, name: name, language: config.language))
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
