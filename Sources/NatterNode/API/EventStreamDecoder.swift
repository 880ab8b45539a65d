/// Decodes server-sent events (HTML Living Standard §9.2) from the raw bytes of
/// an HTTP response: skips the response head, undoes chunked framing, and
/// yields complete events. Bytes may arrive split anywhere.
struct EventStreamDecoder {
    struct Event: Equatable {
        let name: String
        let data: String
    }

    private var buffer: [UInt8] = []
    private var headDone = false
    private var chunked = false
    private var chunkRemaining = 0
    private var text: [UInt8] = []
    private(set) var failedStatus: Int?

    mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
        buffer += bytes
        if !headDone {
            guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) else { return [] }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self).lowercased()
            let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            if status != 200 { failedStatus = status }
            chunked = head.contains("transfer-encoding: chunked")
            buffer.removeSubrange(..<end.upperBound)
            headDone = true
        }
        if chunked {
            unchunk()
        } else {
            text += buffer
            buffer.removeAll()
        }
        return takeEvents()
    }

    private mutating func unchunk() {
        while !buffer.isEmpty {
            if chunkRemaining > 0 {
                let take = min(chunkRemaining, buffer.count)
                text += buffer[..<take]
                buffer.removeSubrange(..<take)
                chunkRemaining -= take
                if chunkRemaining == 0 { chunkRemaining = -2 }  // the CRLF after the data
                continue
            }
            if chunkRemaining < 0 {
                let take = min(-chunkRemaining, buffer.count)
                buffer.removeSubrange(..<take)
                chunkRemaining += take
                continue
            }
            guard let lineEnd = buffer.firstRange(of: Array("\r\n".utf8)) else { return }
            let sizeText = String(decoding: buffer[..<lineEnd.lowerBound], as: UTF8.self)
            buffer.removeSubrange(..<lineEnd.upperBound)
            chunkRemaining = Int(sizeText.split(separator: ";").first ?? "", radix: 16) ?? 0
        }
    }

    private mutating func takeEvents() -> [Event] {
        var events: [Event] = []
        while let end = text.firstRange(of: Array("\n\n".utf8)) {
            let block = String(decoding: text[..<end.lowerBound], as: UTF8.self)
            text.removeSubrange(..<end.upperBound)
            var name = "message"
            var data: [Substring] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(":") { continue }
                if line.hasPrefix("event:") { name = line.dropFirst(6).trimmingPrefix(" ").description }
                if line.hasPrefix("data:") { data.append(line.dropFirst(5).trimmingPrefix(" ")) }
            }
            if !data.isEmpty { events.append(Event(name: name, data: data.joined(separator: "\n"))) }
        }
        return events
    }
}
