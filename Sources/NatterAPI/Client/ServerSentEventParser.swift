/// Splits a `text/event-stream` body into events (HTML Living Standard §9.2):
/// `event:` names it, `data:` lines are joined with newlines, a blank line
/// ends it, `:` starts a comment. Bytes may arrive split anywhere.
struct ServerSentEventParser {
    struct Event: Equatable {
        let name: String
        let data: String
    }

    private var pending: [UInt8] = []

    mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
        pending += bytes
        var events: [Event] = []
        while let end = pending.firstRange(of: Self.eventEnd) {
            let block = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
            pending.removeSubrange(..<end.upperBound)
            var name = "message"
            var data: [Substring] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
                if line.hasPrefix("event:") { name = String(line.dropFirst(6).trimmingPrefix(" ")) }
                if line.hasPrefix("data:") { data.append(line.dropFirst(5).trimmingPrefix(" ")) }
            }
            if !data.isEmpty { events.append(Event(name: name, data: data.joined(separator: "\n"))) }
        }
        return events
    }

    private static let eventEnd = Array("\n\n".utf8)
}
