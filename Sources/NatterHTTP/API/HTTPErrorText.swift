import Foundation
import NIOHTTP1

/// Every sentence natter's HTTP servers answer with that does not come from
/// the daemon's rules: bytes that are not HTTP, a timeout, a body too large.
/// Pure, so no Swift error dump (`HTTPParserError`) ever reaches a user.
enum HTTPErrorText {
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

    static func bodyTooLarge(limit: Int) -> String {
        "the request body is over \(limit) bytes (the API's limit); a message's text is at most 16 KiB"
    }
}
