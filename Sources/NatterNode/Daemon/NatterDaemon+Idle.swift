import Logging
import NatterCore
import NatterWire

/// The idle detector beyond natter's windows: the daemon asks the desktop's
/// idle sources (`Idle/`) when `SessionStateHub` says a look is due, and
/// hands their answers back to it. Detection runs only while a window
/// detects idleness with sharing on; otherwise no source is ever asked.
extension NatterDaemon {
    /// When to look at the sources next; nil when there is nothing to look
    /// for (no window detects idleness) or nothing to look at.
    func nextIdleLook() -> MonotonicInstant? {
        guard !idleSources.isEmpty, sessionStates.idleWatch != nil else { return nil }
        if let inUse = idleSourcesInUse, inUse.isEmpty { return nil }  // this session offers none
        let watchesLocks = idleSourcesInUse?.contains { $0.reportsLocks } ?? false
        return sessionStates.nextDesktopLook(at: clock.now, watchesLocks: watchesLocks)
    }

    /// Asks the sources in use (every candidate on the first look, to find
    /// which this session offers) off the actor, then ``idleLookEnded(_:)``.
    func startIdleLook() {
        let sources = idleSourcesInUse ?? idleSources
        idleLook = Task {
            var answers: [(source: any IdleSource, observation: IdleObservation?)] = []
            for source in sources { answers.append((source, await source.look())) }
            self.idleLookEnded(answers)
        }
    }

    /// Turns the answers into reports at the current time, keeps the sources
    /// that answered, and ticks the engines the look held back.
    func idleLookEnded(_ answers: [(source: any IdleSource, observation: IdleObservation?)]) {
        idleLook = nil
        let now = clock.now
        // Detection stopped while the tools ran: what they saw is not used.
        guard sessionStates.idleWatch != nil else { return tickEngines() }
        let answered = answers.filter { $0.observation != nil }.map(\.source)
        let inUse = IdleSources.chosen(from: answered)
        let names = inUse.map(\.name)
        if idleSourcesInUse.map({ $0.map(\.name) }) != names {
            logger.debug("idle sources in use", metadata: ["sources": "\(names.isEmpty ? "none" : names.joined(separator: ", "))"])
        }
        idleSourcesInUse = inUse
        var reports: [String: DesktopIdle.Report] = [:]
        for case (let source, let observation?) in answers where names.contains(source.name) {
            switch observation {
            case .idle(let duration): reports[source.name] = .lastInput(now + (.zero - duration))
            case .locked: reports[source.name] = .locked
            case .silent: reports[source.name] = .silent
            }
        }
        logger.trace("idle look", metadata: ["reports": "\(reports)"])
        emit(sessionStates.desktopLooked(reports, at: now))
        tickEngines()
    }

    /// When no window detects idleness any more: forget the sources and what
    /// they said; the next detection finds them afresh.
    func stopIdleDetectionIfIdle() {
        guard idleSourcesInUse != nil, sessionStates.idleWatch == nil else { return }
        idleSourcesInUse = nil
        let outputs = sessionStates.desktopStopped(at: clock.now)
        for output in outputs where directory.isLinked(output.peer) {
            send(.state(sequence: nextSequence(), state: output.state, source: output.source), to: output.peer, preferDatagram: true)
        }
    }
}
