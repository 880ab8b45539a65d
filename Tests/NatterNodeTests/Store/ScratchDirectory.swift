import Foundation

/// A directory of its own under the temporary directory for one test's
/// store files, removed with everything in it when the test lets it go.
/// Held by the suite (a stored property), not a local: a local may be
/// released after its last use, while the store still writes there.
final class ScratchDirectory {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "natter-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Where a test's message store lives.
    var storePath: String { path + "/messages.sqlite" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
