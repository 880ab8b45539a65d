import Foundation
import Synchronization
public import NatterCore

/// Trust on first use: the first device seen under a display name is pinned;
/// a different device (another key) later claiming that name is refused — and
/// reported loudly — until the user compares fingerprints and runs
/// `natter trust NAME`, which pins exactly the key that was refused.
///
/// Stored as `pins` (0600) in the data directory: one `FINGERPRINT NAME` line
/// per pinned colleague and one `refused FINGERPRINT NAME` line per name whose
/// last refused key awaits a decision. The file is the single source of truth
/// for the daemon and the CLI: it is re-read at every check (once per link
/// set-up; the file is a few lines), so `natter trust` takes effect in a
/// running daemon without a restart. Modification times would not do: the
/// kernel stamps them at timer-tick granularity, and two writes in one tick
/// look unchanged.
public final class PinStore: Sendable {
    public enum Verdict: Equatable, Sendable {
        case firstContact
        case known
        /// The name is pinned to another device.
        case conflict(pinned: DeviceFingerprint)
        /// A name that cannot be pinned: empty, or with control characters (a
        /// line break would forge lines of the pins file). Refuse the link.
        case unpinnableName
        /// First contact, but the pin could not be saved: treat as refused
        /// (a pin that is lost at restart would silently trust the next key).
        case failed(PinStoreError)
    }

    /// A trust decision made: the name now pins `trusted` instead of `previous`.
    public struct Change: Equatable, Sendable {
        public let name: String
        public let previous: DeviceFingerprint
        public let trusted: DeviceFingerprint
    }

    private struct Table {
        var pinned: [String: DeviceFingerprint] = [:]
        var refused: [String: DeviceFingerprint] = [:]
    }

    private let path: String
    private let table: Mutex<Table>

    public init(directory: String) {
        path = directory + "/pins"
        table = Mutex(Table())
        table.withLock { reload(&$0) }
    }

    /// Checks `fingerprint` against the pin for `name`, pinning on first
    /// contact and remembering a conflicting key for ``trustRefused(name:)``.
    public func check(name: String, fingerprint: DeviceFingerprint) -> Verdict {
        guard Self.isPinnable(name) else { return .unpinnableName }
        return table.withLock { table in
            reload(&table)
            if let pinned = table.pinned[name] {
                if pinned == fingerprint { return .known }
                if table.refused[name] != fingerprint {
                    table.refused[name] = fingerprint
                    // Best effort: the refusal itself already happened; only
                    // `natter trust` needs the record, and it says so if missing.
                    try? save(table)
                }
                return .conflict(pinned: pinned)
            }
            table.pinned[name] = fingerprint
            do throws(PinStoreError) {
                try save(table)
            } catch {
                table.pinned[name] = nil
                return .failed(error)
            }
            return .firstContact
        }
    }

    /// Pins the key last refused for `name` (after the user compared
    /// fingerprints in person); nil when nothing was refused for that name.
    /// Throws when the decision could not be saved (nothing changed then).
    public func trustRefused(name: String) throws(PinStoreError) -> Change? {
        try table.withLock { table throws(PinStoreError) -> Change? in
            reload(&table)
            guard let refused = table.refused[name], let previous = table.pinned[name] else { return nil }
            var decided = table
            decided.pinned[name] = refused
            decided.refused[name] = nil
            try save(decided)
            table = decided
            return Change(name: name, previous: previous, trusted: refused)
        }
    }

    /// Whether `name` can be a pin: not empty, no control characters or line
    /// separators (the file is one pin per line, and a name must look the
    /// same to every colleague who reads it).
    public static func isPinnable(_ name: String) -> Bool {
        !name.isEmpty
            && !name.unicodeScalars.contains {
                $0.properties.generalCategory == .control || $0.properties.generalCategory == .lineSeparator
                    || $0.properties.generalCategory == .paragraphSeparator
            }
    }

    /// Every pinned name and its device.
    public var all: [String: DeviceFingerprint] { table.withLock { reload(&$0); return $0.pinned } }

    /// Names whose last presented key was refused, with that key.
    public var refused: [String: DeviceFingerprint] { table.withLock { reload(&$0); return $0.refused } }

    private func reload(_ table: inout Table) {
        var fresh = Table()
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let isRefused = line.hasPrefix("refused ")
                let parts = line.dropFirst(isRefused ? 8 : 0).split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let fingerprint = DeviceFingerprint(fullText: String(parts[0])) else { continue }
                if isRefused {
                    fresh.refused[String(parts[1])] = fingerprint
                } else {
                    fresh.pinned[String(parts[1])] = fingerprint
                }
            }
        }
        table = fresh
    }

    /// Atomic and durable (``DurableFile``): a pin is a security decision.
    private func save(_ table: Table) throws(PinStoreError) {
        let pinnedLines = table.pinned.sorted { $0.key < $1.key }.map { "\($0.value.fullText) \($0.key)\n" }
        let refusedLines = table.refused.sorted { $0.key < $1.key }.map { "refused \($0.value.fullText) \($0.key)\n" }
        do {
            try DurableFile.replace(path, with: Array((pinnedLines + refusedLines).joined().utf8))
        } catch {
            throw PinStoreError(description: "could not save the pinned device keys: \(error)")
        }
    }
}

/// The pins file could not be written.
public struct PinStoreError: Error, Equatable, CustomStringConvertible {
    public let description: String
}
