import Logging
import NatterCore
import NatterWire

extension NatterDaemon {
    /// A front end opened a conversation window: a new sender engine, whose
    /// events go to that colleague while both are online.
    func openWindow(for query: String) throws(APIFailure) -> WindowView {
        let peer = try resolve(query)
        let unread = (try? store.history(with: peer, limit: 1).last?.direction == .incoming) ?? false
        let (window, outputs) = sessionStates.openWindow(peer: peer, hasUnreadMessage: unread, at: clock.now)
        emit(outputs)
        return WindowView(window: window, peer: peer.compact, peerName: name(of: peer))
    }

    func signal(_ name: String, window: UInt32) throws(APIFailure) {
        guard let signal = WindowSignal(rawValue: name) else {
            throw .badRequest("unknown signal \"\(name)\"; expected one of: " + WindowSignal.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let outputs = sessionStates.signal(signal, window: window, at: clock.now) else {
            throw .notFound("there is no open window \(window); open one with POST /v1/windows")
        }
        logger.debug("window signal", metadata: ["window": "\(window)", "signal": "\(name)"])
        emit(outputs)
    }

    func closeWindow(_ window: UInt32) {
        emit(sessionStates.closeWindow(window, at: clock.now))
    }

    /// Sends the engines' events to colleagues that are online (the others
    /// have no session state), each with the next sequence number.
    func emit(_ outputs: [SessionStateHub.Outgoing]) {
        for output in outputs where linked.contains(output.peer) {
            logger.debug("state event out", metadata: ["peer": "\(output.peer.compact)", "state": "\(output.state.name)", "window": "\(output.source)"])
            send(.state(sequence: nextSequence(), state: output.state, source: output.source), to: output.peer, preferDatagram: true)
        }
        rescheduleTimer()
    }

    func publishShown(_ changes: [SessionStateHub.ShownChange]) {
        for change in changes {
            events.publish(
                "state",
                StateView(
                    peer: change.peer.compact, peerName: name(of: change.peer), state: change.state.name,
                    text: displayText(for: change.state, name: name(of: change.peer), language: config.language)))
        }
        rescheduleTimer()
    }

    /// Keeps exactly one timer, set to the earliest engine deadline.
    func rescheduleTimer() {
        let deadline = sessionStates.nextDeadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timerDeadline = deadline
        guard let deadline else { return }
        timer = Task { [clock] in
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            self.timerFired()
        }
    }

    func timerFired() {
        timerDeadline = nil
        let (outputs, changes) = sessionStates.tick(at: clock.now)
        emit(outputs)
        publishShown(changes)
    }

    func applyPolicy() {
        emit(sessionStates.setPolicy(global: shareState, overrides: overrides, at: clock.now))
    }

    func setPrivacy(share: Bool?, peer query: String?) throws(APIFailure) -> StatusView {
        do {
            if let query {
                let peer = try resolve(query)
                overrides[peer] = share
                try store.setShareState(share, for: peer)
            } else {
                guard let share else { throw APIFailure.badRequest("the global switch must be true or false") }
                shareState = share
                try store.setSetting(Self.shareStateKey, to: share ? "on" : "off")
            }
        } catch let error as StoreError {
            throw APIFailure(error)
        } catch let error as APIFailure {
            throw error
        } catch {
            throw APIFailure(status: 500, message: "\(error)")
        }
        applyPolicy()
        return statusView()
    }

    /// Sets the presence status colleagues see (published in the sealed mDNS record).
    func setPresence(_ status: String) throws(APIFailure) -> StatusView {
        guard ["available", "away", "busy"].contains(status) else {
            throw .badRequest("the status must be available, away or busy, not \"\(status)\"")
        }
        presence = status
        do {
            try store.setSetting(Self.presenceKey, to: status)
        } catch {
            throw APIFailure(error)
        }
        presenceChanged?(status)
        return statusView()
    }

    func statusView() -> StatusView {
        StatusView(
            name: config.displayName, fingerprint: identity.fingerprint.compact,
            fingerprintGroups: identity.fingerprint.description, teamTag: identity.teamTag, status: presence,
            shareState: shareState, tcpPort: linkPorts.tcp, udpPort: linkPorts.udp, version: natterVersion)
    }
}

extension SessionState {
    /// The name used in the API and `--json` output.
    var name: String {
        switch self {
        case .active: "active"
        case .typing: "typing"
        case .pausedTyping: "pausedTyping"
        case .leftTemporarily: "leftTemporarily"
        case .reading: "reading"
        case .closedWindow: "closedWindow"
        case .away: "away"
        }
    }
}
