import Foundation
import Synchronization
public import NatterCore

/// Trust on first use: the first device seen under a display name is pinned;
/// a different device (another key) later claiming that name is refused — and
/// reported loudly — until the user compares fingerprints and runs
/// `natter trust NAME`. Stored as `pins` (0600) in the data directory, one
/// `FINGERPRINT NAME` line per colleague.
public final class PinStore: Sendable {
    public enum Verdict: Equatable, Sendable {
        case firstContact
        case known
        /// The name is pinned to another device.
        case conflict(pinned: DeviceFingerprint)
    }

    private let path: String
    private let pins: Mutex<[String: DeviceFingerprint]>

    public init(directory: String) {
        path = directory + "/pins"
        var loaded: [String: DeviceFingerprint] = [:]
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                if parts.count == 2, let fingerprint = DeviceFingerprint(fullText: String(parts[0])) {
                    loaded[String(parts[1])] = fingerprint
                }
            }
        }
        pins = Mutex(loaded)
    }

    /// Checks `fingerprint` against the pin for `name`, pinning on first contact.
    public func check(name: String, fingerprint: DeviceFingerprint) -> Verdict {
        let verdict: Verdict = pins.withLock { pins in
            if let pinned = pins[name] {
                return pinned == fingerprint ? .known : .conflict(pinned: pinned)
            }
            pins[name] = fingerprint
            return .firstContact
        }
        if verdict == .firstContact { save() }
        return verdict
    }

    /// Replaces the pin for `name` (after the user compared fingerprints).
    public func trust(name: String, fingerprint: DeviceFingerprint?) {
        pins.withLock { $0[name] = fingerprint }
        save()
    }

    public var all: [String: DeviceFingerprint] { pins.withLock { $0 } }

    private func save() {
        let text = pins.withLock { pins in
            pins.sorted { $0.key < $1.key }.map { "\($0.value.fullText) \($0.key)\n" }.joined()
        }
        let temporary = path + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        rename(temporary, path)
    }
}
