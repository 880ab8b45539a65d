import Foundation
import NIOHTTP1

/// Every sentence the local API answers an error with that does not come
/// from the daemon's own rules: a malformed request, a body that does not
/// decode, a timeout. Pure, so the mapping moves unchanged when the server
/// does (Hummingbird), and so no Swift error dump (`DecodingError`,
/// `HTTPParserError`) ever reaches a user.
public enum APIErrorText {

    // MARK: HTTP

    /// The answer to bytes that are not HTTP/1.1 (the status is 400, or 431
    /// for headers over the parser's limit); the connection is closed after it.
    static func malformedHTTP(_ error: HTTPParserError) -> (status: Int, sentence: String) {
        let what: String
        switch error {
        case .headerOverflow:
            return (431, "the request's headers are too large (over 80 KiB); natter's API needs only a few short ones")
        case .invalidContentLength, .unexpectedContentLength:
            what = "its Content-Length is not a number of bytes that matches the body"
        case .invalidChunkSize:
            what = "a chunk of its body has an invalid size"
        case .invalidMethod:
            what = "its method is not an HTTP method"
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort:
            what = "its target is not a valid path"
        case .invalidVersion:
            what = "it is not HTTP/1.x"
        case .invalidHeaderToken:
            what = "a header line is malformed"
        default:
            what = "its request line or headers are malformed"
        }
        return (400, "the request is not valid HTTP/1.1: \(what); see Docs/api.md (the connection is closed)")
    }

    static func requestTimeout(after timeout: Duration) -> String {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return "no complete request arrived within \(String(format: "%g", seconds)) seconds; the connection is closed"
    }

    public static func bodyTooLarge(limit: Int) -> String {
        "the request body is over \(limit) bytes (the API's limit); a message's text is at most 16 KiB"
    }

    // MARK: Bodies

    /// A body that does not decode as the endpoint's request, as one sentence
    /// naming the field at fault and what it should be.
    /// - Parameter allowed: for fields that take one of a closed set of names,
    ///   those names, listed when a body gives another one.
    static func badBody(_ error: any Error, allowed: [String: [String]] = [:]) -> String {
        guard let error = error as? DecodingError else {
            return "the request body is not valid JSON for this endpoint; see Docs/api.md"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "`\(field(context.codingPath + [key]))` is missing; see Docs/api.md"
        case .valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return "`\(field(context.codingPath))` must not be null"
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            let name = field(context.codingPath)
            if let values = allowed[name] { return "`\(name)` must be one of \(values.joined(separator: ", "))" }
            return "`\(name)` must be \(describe(type))"
        case .typeMismatch, .valueNotFound:
            return "the request body must be a JSON object; see Docs/api.md"
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let name = field(context.codingPath)
            guard let values = allowed[name] else { return "`\(name)` has a value natter does not accept; see Docs/api.md" }
            return "`\(name)` must be one of \(values.joined(separator: ", "))"
        case .dataCorrupted:
            return "the request body is not valid JSON (an empty body, or broken JSON); this endpoint needs a JSON object, see Docs/api.md"
        @unknown default:
            return "the request body is not valid JSON for this endpoint; see Docs/api.md"
        }
    }

    private static func field(_ path: [any CodingKey]) -> String {
        path.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is UInt32.Type, is UInt64.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "a JSON object"
        }
    }
}
