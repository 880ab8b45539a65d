import Foundation
public import NatterCore

/// Who holds which name, as a value: the pins (one device per name) and the
/// devices refused for a name, with the rules that decide a claim and the
/// file format they are saved in. ``PinStore`` keeps one on disk; the daemon's
/// ``ColleagueDirectory`` reads a copy to decide who a name means.
///
/// Names are claims, fingerprints are identities: a name is pinned to the
/// first device whose authenticated hello claims it, and compared without
/// regard to case (`Bob` and `bob` are one claim, as `natter send bob`
/// means `Bob`).
public struct PinTable: Equatable, Sendable {
    /// A name pinned to a device, or a device refused for a name.
    public struct Entry: Equatable, Sendable, Codable {
        public let name: String
        public let fingerprint: DeviceFingerprint

        public init(name: String, fingerprint: DeviceFingerprint) {
            self.name = name
            self.fingerprint = fingerprint
        }

        enum CodingKeys: String, CodingKey { case name, fingerprint }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            let text = try container.decode(String.self, forKey: .fingerprint)
            guard let fingerprint = DeviceFingerprint(fullText: text) else {
                throw DecodingError.dataCorruptedError(forKey: .fingerprint, in: container, debugDescription: "not a fingerprint: \(text)")
            }
            self.fingerprint = fingerprint
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(fingerprint.fullText, forKey: .fingerprint)
        }
    }

    /// Pinned names, keyed by ``key(_:)``; the entry keeps the name as first seen.
    public private(set) var pinned: [String: Entry] = [:]
    /// Devices refused for a name, oldest first; one entry per device and
    /// name, moved to the end when refused again (so the last one for a name
    /// is the key `natter trust NAME` pins).
    public private(set) var refusals: [Entry] = []

    public init() {}

    /// How names are compared: case-insensitively (Unicode lowercase; Swift
    /// compares canonically equivalent strings as equal).
    public static func key(_ name: String) -> String { name.lowercased() }

    /// The device `name` is pinned to.
    public func pin(for name: String) -> Entry? { pinned[Self.key(name)] }

    // MARK: Decisions

    /// What a claim is.
    public enum Claim: Equatable, Sendable {
        /// The name is pinned to this device.
        case known
        /// Nobody holds the name: the claimant may take it.
        case free
        /// The name is pinned to another device.
        case taken(by: DeviceFingerprint)
        /// The name is this user's own display name, which no other device may hold.
        case ownName
    }

    /// Judges `device`'s claim to `name` without changing anything: the rule
    /// shared by hello frames (which may then pin) and mDNS records (which never do).
    public func claim(_ name: String, by device: DeviceFingerprint, ownName: String?) -> Claim {
        if let ownName, Self.key(ownName) == Self.key(name) { return .ownName }
        guard let pin = pin(for: name) else { return .free }
        return pin.fingerprint == device ? .known : .taken(by: pin.fingerprint)
    }

    mutating func pin(_ name: String, to device: DeviceFingerprint) {
        pinned[Self.key(name)] = Entry(name: name, fingerprint: device)
        refusals.removeAll { $0.fingerprint == device && Self.key($0.name) == Self.key(name) }
    }

    /// Records that `device` was refused for `name`; returns false when that
    /// was already the latest refusal (nothing to save). At most
    /// `limit` refusals are kept, the oldest dropped.
    mutating func refuse(_ name: String, device: DeviceFingerprint, limit: Int) -> Bool {
        let entry = Entry(name: name, fingerprint: device)
        let key = Self.key(name)
        if refusals.last(where: { Self.key($0.name) == key }) == entry { return false }
        refusals.removeAll { $0.fingerprint == device && Self.key($0.name) == key }
        refusals.append(entry)
        if refusals.count > limit { refusals.removeFirst(refusals.count - limit) }
        return true
    }

    /// The device last refused for `name`.
    public func lastRefusal(for name: String) -> Entry? {
        refusals.last { Self.key($0.name) == Self.key(name) }
    }

    /// `natter trust NAME`: pins the device last refused for NAME in place of
    /// the pinned one. Nil when NAME is not pinned or nothing was refused.
    mutating func trustLastRefusal(for name: String) -> PinStore.Change? {
        guard let previous = pin(for: name), let refused = lastRefusal(for: name) else { return nil }
        pin(previous.name, to: refused.fingerprint)
        return PinStore.Change(name: previous.name, previous: previous.fingerprint, trusted: refused.fingerprint)
    }

    /// `natter forget`: the device's pins and refusals go; so do refusals for
    /// a name it held (conflicts with nobody now). The names it held are free
    /// again. Returns whether anything changed.
    mutating func forget(_ device: DeviceFingerprint) -> Bool {
        let before = self
        let released = Set(pinned.filter { $0.value.fingerprint == device }.keys)
        for key in released { pinned[key] = nil }
        refusals.removeAll { $0.fingerprint == device || released.contains(Self.key($0.name)) }
        return self != before
    }

    // MARK: The file

    /// The pins file, version 2: JSON, so no name — whatever it contains —
    /// can split an entry or forge another (a line break is `\n` inside a
    /// string). Sorted and indented, readable by an admin.
    private struct File: Codable {
        var version: Int
        var pinned: [Entry]
        var refused: [Entry]
    }

    static let fileVersion = 2

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = File(version: Self.fileVersion, pinned: pinned.values.sorted { $0.name < $1.name }, refused: refusals)
        return Array(try encoder.encode(file)) + [0x0A]
    }

    /// The file's contents: version 2 (JSON), or version 1 (`FINGERPRINT NAME`
    /// and `refused FINGERPRINT NAME` lines, as earlier natter wrote), which the
    /// store rewrites as version 2 at once. An empty file is an empty table.
    static func decode(_ bytes: [UInt8]) throws(PinStoreError) -> (table: PinTable, legacy: Bool) {
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r\n" }
        guard !trimmed.isEmpty else { return (PinTable(), false) }
        guard trimmed.first == "{" else { return (legacy(text), true) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw PinStoreError(description: "the pins file is damaged (\(Self.reason(error)))")
        }
        guard file.version == fileVersion else {
            throw PinStoreError(description: "the pins file has version \(file.version), which this natter does not know (it writes \(fileVersion))")
        }
        var table = PinTable()
        for entry in file.pinned { table.pinned[key(entry.name)] = entry }
        table.refusals = file.refused
        return (table, false)
    }

    /// Version 1: a line per entry. A name with a line break could forge a
    /// line here, which is why version 2 exists; names that could not have
    /// been pinned (``PinStore/isPinnable(_:)``) are skipped.
    private static func legacy(_ text: String) -> PinTable {
        var table = PinTable()
        for line in text.split(separator: "\n") {
            let isRefused = line.hasPrefix("refused ")
            let parts = line.dropFirst(isRefused ? 8 : 0).split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let fingerprint = DeviceFingerprint(fullText: String(parts[0])),
                PinStore.isPinnable(String(parts[1]))
            else { continue }
            let name = String(parts[1])
            if isRefused {
                table.refusals.append(Entry(name: name, fingerprint: fingerprint))
            } else {
                table.pinned[key(name)] = Entry(name: name, fingerprint: fingerprint)
            }
        }
        return table
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
            DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            context.debugDescription
        default:
            "\(error)"
        }
    }
}
