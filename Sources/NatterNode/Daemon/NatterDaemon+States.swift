import Logging
import NatterAPI
import NatterCore
import NatterWire

extension NatterDaemon {
    /// A front end opened a conversation window: a new sender engine, whose
    /// events go to that colleague while both are online.
    func openWindow(for query: String) throws(APIFailure) -> WindowView {
        if GroupName.isGroupAddress(query) { return try openGroupWindow(query) }
        let peer = try resolve(query)
        let unread = (try? store.history(with: peer, limit: 1).last?.direction == .incoming) ?? false
        let (window, outputs) = sessionStates.openWindow(peer: peer, hasUnreadMessage: unread, at: clock.now)
        emit(outputs)
        return WindowView(window: window, peer: peer.compact, peerName: name(of: peer))
    }

    func signal(_ signal: DetectorSignal, window: UInt32) throws(APIFailure) {
        guard signal.isReportedByFrontEnds else {
            let allowed = DetectorSignal.allCases.filter(\.isReportedByFrontEnds).map(\.rawValue)
            throw .badRequest("\"\(signal.rawValue)\" is reported by the daemon itself; a window may send: " + allowed.joined(separator: ", "))
        }
        guard let outputs = sessionStates.signal(signal, window: window, at: clock.now) else {
            throw .notFound("there is no open window \(window); open one with POST /v1/windows")
        }
        logger.debug("window signal", metadata: ["window": "\(window)", "signal": "\(signal.rawValue)"])
        emit(outputs)
    }

    func closeWindow(_ window: UInt32) {
        emit(sessionStates.closeWindow(window, at: clock.now))
    }

    /// Sends the engines' events to colleagues that are online (the others
    /// have no session state), each with the next sequence number.
    func emit(_ outputs: [SessionStateHub.Outgoing]) {
        emitGroupStates(outputs)
        for output in outputs where directory.isLinked(output.peer) {
            logger.debug("state event out", metadata: ["peer": "\(output.peer.compact)", "state": "\(output.state)", "window": "\(output.source)"])
            send(.state(sequence: nextSequence(), state: output.state, source: output.source), to: output.peer, preferDatagram: true)
        }
        rescheduleTimer()
    }

    func publishShown(_ changes: [SessionStateHub.ShownChange]) {
        for change in changes {
            let name = name(of: change.peer)
            events.publish(
                .state(
                    StateView(
                        peer: change.peer.compact, peerName: name, state: change.state,
                        text: displayText(for: change.state, name: name, language: config.language))))
        }
        rescheduleTimer()
    }

    /// Keeps exactly one timer, set to the earliest engine deadline or the
    /// next look at the desktop's idle sources.
    func rescheduleTimer() {
        stopIdleDetectionIfIdle()
        let deadline = [sessionStates.nextDeadline, groups.states.nextDeadline, nextIdleLook()].compactMap { $0 }.min()
        switch engineTimer.deadline(deadline) {
        case .keep:
            return
        case .cancel:
            timer?.cancel()
            timer = nil
        case .set(let deadline):
            timer?.cancel()
            timer = Task { [clock] in
                do {
                    try await clock.sleep(until: deadline)
                } catch {
                    return
                }
                self.timerFired()
            }
        }
    }

    func timerFired() {
        engineTimer.fired()
        // A look in progress ticks the engines when it ends: ticking before
        // would fire *away* on input the look is about to report.
        guard idleLook == nil else { return }
        if let look = nextIdleLook(), look <= clock.now {
            startIdleLook()
            return
        }
        tickEngines()
    }

    /// Lets every engine act on the time, and sends and shows what they say.
    func tickEngines() {
        let (outputs, changes) = sessionStates.tick(at: clock.now)
        emit(outputs)
        publishShown(changes)
        publishGroupShown(groups.states.tick(at: clock.now))
    }

    func applyPolicy() {
        emit(sessionStates.setPolicy(policyWithGroupWindows(), at: clock.now))
        withdrawGroupStates()
    }

    func setPrivacy(share: Bool?, peer query: String?) throws(APIFailure) -> StatusView {
        do {
            if let query, GroupName.isGroupAddress(query) {
                try setGroupShareState(share, for: query)
            } else if let query {
                let peer = try resolve(query)
                try store.setShareState(share, for: peer)
                directory.setOverride(share, for: peer)
            } else {
                guard let share else { throw APIFailure.badRequest("the global switch must be true or false") }
                try store.setSetting(SettingKey.shareState, to: share ? "on" : "off")
                shareState = share
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
    func setPresence(_ status: PresenceStatus) throws(APIFailure) -> StatusView {
        do {
            try store.setSetting(SettingKey.presence, to: status.rawValue)
        } catch {
            throw APIFailure(error)
        }
        presence = status
        presenceChanged(status)
        // Colleagues whose natter takes presence from the link hear it there;
        // older ones, from the mDNS record.
        for peer in directory.presenceOnLink { send(.presence(status), to: peer) }
        return statusView()
    }

    func statusView() -> StatusView {
        StatusView(
            name: config.displayName, fingerprint: identity.fingerprint.compact,
            fingerprintGroups: identity.fingerprint.description, teamTag: identity.teamTag, status: presence,
            shareState: shareState, tcpPort: linkPorts.tcp, udpPort: linkPorts.udp, version: natterVersion,
            language: config.language)
    }
}
