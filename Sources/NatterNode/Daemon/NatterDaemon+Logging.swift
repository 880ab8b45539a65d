import Logging

extension NatterDaemon {
    /// A log line that can repeat many times over: a store write failing on a
    /// full disk fails for every message, receipt and resend.
    struct RepeatingLine: Hashable, Sendable {
        let level: Logger.Level
        let message: String
        let error: String
    }

    /// Logs a failure that may repeat: the first at once, then identical ones
    /// (same message, same error) once per `NodeConstants.repeatedLogInterval`
    /// with a count (`LogThrottle`).
    func logRepeating(_ level: Logger.Level, _ message: String, error: any Error) {
        let line = RepeatingLine(level: level, message: message, error: "\(error)")
        guard case .log(let heldBack) = repeatingLines.occurred(line, at: clock.now) else { return }
        write(line, heldBack: heldBack)
    }

    /// Tells the counts of lines that stopped repeating (the maintenance round calls it).
    func logHeldBackLines() {
        for (line, heldBack) in repeatingLines.due(at: clock.now) {
            write(line, heldBack: heldBack)
        }
    }

    private func write(_ line: RepeatingLine, heldBack: Int) {
        let count = heldBack > 0
            ? " [\(heldBack) more like it in the last \(NodeConstants.repeatedLogInterval.components.seconds) s]" : ""
        logger.log(level: line.level, "\(line.message)\(count)", metadata: ["error": "\(line.error)"])
    }
}
