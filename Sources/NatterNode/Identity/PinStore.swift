import Foundation
import Synchronization
public import NatterCore

/// Trust on first use, on disk: the first device whose hello claims a display
/// name is pinned to it; a different device (another key) later claiming that
/// name — or this user's own name — is refused, and recorded as refused until
/// the user decides: `natter trust NAME` pins exactly the key that was
/// refused, `natter forget PEER` drops a device. The rules are ``PinTable``'s.
///
/// Stored as `pins` (0600) in the data directory, as JSON (``PinTable``'s
/// file format, version 2; a version-1 file of `FINGERPRINT NAME` lines is
/// rewritten at first read). The file is the single source of truth for the
/// daemon and the CLI: every check looks at it again (a `stat`; the file is
/// read again when it is another file or changed, see `FileIdentity`), so
/// `natter trust` takes effect in a running daemon without a restart.
public final class PinStore: Sendable {
    public enum Verdict: Equatable, Sendable {
        case firstContact
        case known
        /// The name is pinned to another device.
        case conflict(pinned: DeviceFingerprint)
        /// The name is this user's own display name: no other device may hold it.
        case ownName
        /// A name that cannot be pinned: empty, or with control characters (a
        /// name must look the same to every colleague). Refuse the link.
        case unpinnableName
        /// The pins file could not be read or the pin could not be saved:
        /// treat as refused (a pin that is lost at restart would silently
        /// trust the next key).
        case failed(PinStoreError)
    }

    /// A trust decision made: the name now pins `trusted` instead of `previous`.
    public struct Change: Equatable, Sendable {
        public let name: String
        public let previous: DeviceFingerprint
        public let trusted: DeviceFingerprint
    }

    /// Refused devices remembered at most (the oldest go first): a member
    /// publishing records under many made-up keys cannot grow the file.
    public static let maximumRefusals = 64

    private struct State {
        var table = PinTable()
        /// Set when the file could not be read: every check fails until it can.
        var damage: PinStoreError?
        /// The file `table` was read from; nil when there was none (or it was damaged).
        var readFrom: FileIdentity?
    }

    /// Which file, and which version of it: every write of the pins file
    /// (`DurableFile.replace`: a new file renamed over the old one) makes a new
    /// inode, so a table read from the same inode, size and change times is
    /// still current. Times alone would not do: the kernel stamps them at
    /// timer-tick granularity, and two writes in one tick look unchanged.
    private struct FileIdentity: Equatable {
        let device: UInt64, inode: UInt64, size: Int64
        let modified: timespec, changed: timespec

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            (device, inode, size) = (UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size))
            (modified, changed) = (info.st_mtim, info.st_ctim)
        }

        static func == (a: FileIdentity, b: FileIdentity) -> Bool {
            (a.device, a.inode, a.size) == (b.device, b.inode, b.size)
                && (a.modified.tv_sec, a.modified.tv_nsec, a.changed.tv_sec, a.changed.tv_nsec)
                    == (b.modified.tv_sec, b.modified.tv_nsec, b.changed.tv_sec, b.changed.tv_nsec)
        }
    }

    private let path: String
    private let state: Mutex<State>

    public init(directory: String) {
        path = directory + "/pins"
        state = Mutex(State())
        state.withLock { reload(&$0) }
    }

    /// Checks `fingerprint`'s hello claim to `name`, pinning on first contact
    /// and recording a refused device for ``trustRefused(name:)``.
    /// `ownName` is this user's display name, which no colleague may take.
    public func check(name: String, fingerprint: DeviceFingerprint, ownName: String? = nil) -> Verdict {
        guard Self.isPinnable(name) else { return .unpinnableName }
        return state.withLock { state in
            reload(&state)
            if let damage = state.damage { return .failed(damage) }
            switch state.table.claim(name, by: fingerprint, ownName: ownName) {
            case .known:
                return .known
            case .taken(let pinned):
                refuse(name, fingerprint, in: &state)
                return .conflict(pinned: pinned)
            case .ownName:
                refuse(name, fingerprint, in: &state)
                return .ownName
            case .free:
                var decided = state.table
                decided.pin(name, to: fingerprint)
                do throws(PinStoreError) {
                    try save(decided)
                } catch {
                    return .failed(error)
                }
                state.table = decided
                return .firstContact
            }
        }
    }

    /// Best effort: the refusal itself already happened; only `natter trust`
    /// needs the record, and it says so if missing.
    private func refuse(_ name: String, _ fingerprint: DeviceFingerprint, in state: inout State) {
        if state.table.refuse(name, device: fingerprint, limit: Self.maximumRefusals) { try? save(state.table) }
    }

    /// Pins the key last refused for `name` (after the user compared
    /// fingerprints in person); nil when nothing was refused for that name.
    /// Throws when the decision could not be saved (nothing changed then).
    public func trustRefused(name: String) throws(PinStoreError) -> Change? {
        try decide { table in table.trustLastRefusal(for: name) }
    }

    /// `natter forget`: removes `device`'s pins and refusals (its names are
    /// free again). Returns whether the file held anything about it.
    public func forget(_ device: DeviceFingerprint) throws(PinStoreError) -> Bool {
        try decide { table in table.forget(device) ? true : nil } ?? false
    }

    /// Applies `change` to the current table and saves it; a nil answer changes nothing.
    private func decide<T>(_ change: (inout PinTable) -> T?) throws(PinStoreError) -> T? {
        try state.withLock { state throws(PinStoreError) -> T? in
            reload(&state)
            if let damage = state.damage { throw damage }
            var decided = state.table
            guard let answer = change(&decided) else { return nil }
            try save(decided)
            state.table = decided
            return answer
        }
    }

    /// Whether `name` can be a pin: not empty, no control characters or line
    /// separators (a name must look the same to every colleague who reads it).
    public static func isPinnable(_ name: String) -> Bool {
        !name.isEmpty
            && !name.unicodeScalars.contains {
                $0.properties.generalCategory == .control || $0.properties.generalCategory == .lineSeparator
                    || $0.properties.generalCategory == .paragraphSeparator
            }
    }

    /// The whole table as the file has it now (the last one read, while the file is damaged).
    public var table: PinTable { state.withLock { reload(&$0); return $0.table } }

    /// Why the file cannot be read now; nil when it can (or does not exist yet).
    public var damage: PinStoreError? { state.withLock { reload(&$0); return $0.damage } }

    /// Every pinned name and its device.
    public var all: [String: DeviceFingerprint] {
        Dictionary(table.pinned.values.map { ($0.name, $0.fingerprint) }, uniquingKeysWith: { first, _ in first })
    }

    /// Names whose last presented key was refused, with that key.
    public var refused: [String: DeviceFingerprint] {
        Dictionary(table.refusals.map { ($0.name, $0.fingerprint) }, uniquingKeysWith: { _, last in last })
    }

    /// Reads the file; a version-1 file is rewritten as version 2 (best
    /// effort: it is read either way). A file that cannot be read or parsed
    /// is damage, never an empty table: that would pin every name afresh.
    private func reload(_ state: inout State) {
        let identity = FileIdentity(path: path)
        // Unchanged since the last read: `natter send` resolves a colleague
        // through the pins at every call, and decoding the file each time was
        // a tenth of a busy daemon's CPU.
        if let identity, identity == state.readFrom, state.damage == nil { return }
        guard FileManager.default.fileExists(atPath: path) else {
            state = State()
            return
        }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            state.damage = PinStoreError(description: "could not read \(path): \(error.localizedDescription)")
            return
        }
        do throws(PinStoreError) {
            let (table, legacy) = try PinTable.decode(bytes)
            state = State(table: table, readFrom: identity)
            if legacy { try? save(table) }
        } catch {
            state.damage = PinStoreError(
                description: "\(error.description): \(path). Move it aside and restart natter; colleagues are then pinned afresh at their next connection")
        }
    }

    /// Atomic and durable (``DurableFile``): a pin is a security decision.
    private func save(_ table: PinTable) throws(PinStoreError) {
        do {
            try DurableFile.replace(path, with: try table.encoded())
        } catch {
            throw PinStoreError(description: "could not save the pinned device keys: \(error)")
        }
    }
}

/// The pins file could not be read or written.
public struct PinStoreError: Error, Equatable, CustomStringConvertible {
    public let description: String
}
