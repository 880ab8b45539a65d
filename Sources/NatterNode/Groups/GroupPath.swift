import Foundation

/// The group in an API path, `/v1/groups/NAME/…`: NAME percent-encoded,
/// with or without the `#` (`%23`).
enum GroupPath {
    static func name(_ segment: String) throws(APIFailure) -> String {
        guard let name = segment.removingPercentEncoding, !name.isEmpty else {
            throw .badRequest("\"\(segment)\" is not a group name; write it as #Name")
        }
        return name
    }
}
