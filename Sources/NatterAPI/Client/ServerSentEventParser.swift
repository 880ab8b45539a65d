/// Splits a `text/event-stream` body into events (HTML Living Standard §9.2):
/// `event:` names it, `data:` lines are joined with newlines, a blank line
/// ends it, `:` starts a comment. Bytes may arrive split anywhere.
struct ServerSentEventParser {
    struct Event: Equatable {
        let name: String
        let data: String
    }

    private var pending: [UInt8] = []
    /// Where the search for the next blank line goes on: no event ends
    /// before it, so bytes are looked at once however they are split.
    private var searchFrom = 1

    mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var start = 0
        var index = searchFrom
        while index < pending.count {
            guard pending[index] == Self.newline, pending[index - 1] == Self.newline else {
                index += 1
                continue
            }
            if let event = Self.event(in: pending[start..<(index - 1)]) { events.append(event) }
            start = index + 1
            index = start + 1
        }
        // One shift per read, not one per event: a read of many events
        // stays linear in its length.
        pending.removeFirst(start)
        searchFrom = max(pending.count, 1)
        return events
    }

    /// One event's lines (without the blank line that ended it); nil for a
    /// comment or an event without data.
    private static func event(in block: ArraySlice<UInt8>) -> Event? {
        var name = "message"
        var data: [Substring] = []
        for line in String(decoding: block, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
            if line.hasPrefix("event:") { name = String(line.dropFirst(6).trimmingPrefix(" ")) }
            if line.hasPrefix("data:") { data.append(line.dropFirst(5).trimmingPrefix(" ")) }
        }
        return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
    }

    private static let newline = UInt8(ascii: "\n")
}
