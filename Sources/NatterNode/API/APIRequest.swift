/// A request as the daemon sees it: transport details (HTTP framing, the
/// socket) are stripped so handlers are plain functions and testable without I/O.
public struct APIRequest: Sendable {
    public let method: String
    /// The path without the query, e.g. `/v1/messages`.
    public let path: String
    /// Decoded query parameters; the last value wins when a name repeats.
    public let query: [String: String]
    public let body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }

    /// Splits a request target such as `/v1/messages?peer=bob&limit=5`.
    public init(method: String, target: String, body: [UInt8]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.percentDecode(keyValue[0])
                query[key] = keyValue.count == 2 ? Self.percentDecode(keyValue[1]) : ""
            }
        }
        self.init(method: method, path: String(parts.first ?? ""), query: query, body: body)
    }

    private static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return String(text) }
                bytes.append(value)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
