/// Reads one HTTP/1.1 response incrementally, as bytes arrive split anywhere:
/// the status line and headers, then the body in whichever framing the server
/// chose (`content-length`, `chunked`, or until the connection closes).
///
/// The only HTTP parser on the client side: plain requests and the endless
/// event stream both go through it.
struct HTTPResponseReader {
    enum Failure: Error, Equatable {
        case notHTTP
        case malformedChunk
        case headTooLarge
    }

    /// Bounds what a misbehaving server can make the client buffer.
    static let maximumHeadBytes = 16 * 1024

    private(set) var status: Int?
    private(set) var isComplete = false
    private var buffer: [UInt8] = []
    private var framing: Framing?

    private enum Framing {
        case length(remaining: Int)
        case chunked(ChunkState)
        case untilClose
    }

    private enum ChunkState {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    /// Feeds received bytes; returns the body bytes they completed.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> [UInt8] {
        buffer += bytes
        if framing == nil {
            guard let end = buffer.firstRange(of: Self.headEnd) else {
                if buffer.count > Self.maximumHeadBytes { throw .headTooLarge }
                return []
            }
            try readHead(buffer[..<end.lowerBound])
            buffer.removeSubrange(..<end.upperBound)
        }
        return try takeBody()
    }

    /// The connection closed: a body framed by the close is now complete.
    mutating func finish() {
        if case .untilClose = framing { isComplete = true }
    }

    private mutating func readHead(_ head: ArraySlice<UInt8>) throws(Failure) {
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let code = Int(statusParts[1]) else {
            throw .notHTTP
        }
        status = code
        var contentLength: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingPrefix(" ").lowercased()
            if name == "content-length" { contentLength = Int(value) }
            if name == "transfer-encoding" && value.contains("chunked") { chunked = true }
        }
        if chunked {
            framing = .chunked(.size)
        } else if let contentLength {
            framing = .length(remaining: contentLength)
        } else {
            framing = .untilClose
        }
    }

    private mutating func takeBody() throws(Failure) -> [UInt8] {
        switch framing {
        case .length(let remaining):
            let take = min(remaining, buffer.count)
            let body = Array(buffer.prefix(take))
            buffer.removeFirst(take)
            framing = .length(remaining: remaining - take)
            if remaining - take == 0 { isComplete = true }
            return body
        case .chunked(let state):
            return try unchunk(from: state)
        case .untilClose:
            defer { buffer.removeAll() }
            return buffer
        case nil:
            return []
        }
    }

    private mutating func unchunk(from start: ChunkState) throws(Failure) -> [UInt8] {
        var body: [UInt8] = []
        var state = start
        defer { framing = .chunked(state) }
        while !isComplete {
            switch state {
            case .size:
                guard let lineEnd = buffer.firstRange(of: Self.lineEnd) else { return body }
                let sizeText = String(decoding: buffer[..<lineEnd.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<lineEnd.upperBound)
                guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size >= 0 else {
                    throw .malformedChunk
                }
                state = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                guard !buffer.isEmpty else { return body }
                let take = min(remaining, buffer.count)
                body += buffer.prefix(take)
                buffer.removeFirst(take)
                state = remaining == take ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard buffer.count >= 2 else { return body }
                guard buffer.starts(with: Self.lineEnd) else { throw .malformedChunk }
                buffer.removeFirst(2)
                state = .size
            case .trailers:
                guard let lineEnd = buffer.firstRange(of: Self.lineEnd) else { return body }
                let isLast = lineEnd.lowerBound == buffer.startIndex
                buffer.removeSubrange(..<lineEnd.upperBound)
                if isLast { isComplete = true }
            }
        }
        return body
    }

    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let lineEnd = Array("\r\n".utf8)
}
