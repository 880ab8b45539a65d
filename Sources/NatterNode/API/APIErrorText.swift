import Foundation

/// The sentences the daemon's API answers a body that does not decode with
/// (the HTTP server's own, for malformed HTTP and timeouts, are NatterHTTP's
/// `HTTPErrorText`). Pure, so no Swift error dump (`DecodingError`) ever
/// reaches a user.
enum APIErrorText {

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
