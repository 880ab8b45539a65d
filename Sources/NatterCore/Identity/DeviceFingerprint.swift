/// What users compare to know they talk to the right device: a digest of the
/// device's static public key, shown as base32 in groups of four.
///
/// NatterCore holds only the bytes; NatterWire computes them from a key
/// (`DeviceIdentity.fingerprint`), because hashing needs a crypto library.
public struct DeviceFingerprint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The digest length; the display shows the first ``displayedByteCount``.
    public static let byteCount = 32
    /// 20 bytes = 160 bits = 32 base32 characters: enough to resist a
    /// second-preimage search, short enough to read aloud in eight groups.
    public static let displayedByteCount = 20

    public let bytes: [UInt8]

    /// - Precondition: `bytes.count == DeviceFingerprint.byteCount`.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a fingerprint is \(Self.byteCount) bytes")
        self.bytes = bytes
    }

    /// The 32-character base32 form without separators, used as a stable id
    /// in files, the API and `--json` output.
    public var compact: String { Base32.encode(bytes.prefix(Self.displayedByteCount)) }

    /// The form people read aloud: `ABCD EFGH IJKL …`, eight groups of four.
    public var description: String {
        var groups: [Substring] = []
        var rest = Substring(compact)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: " ")
    }

    /// True when `prefix` (any case, spaces and dashes ignored) starts the
    /// compact form; how the CLI resolves `PEER` given as a fingerprint prefix.
    public func matches(prefix: String) -> Bool {
        let wanted = Base32.normalize(prefix)
        return !wanted.isEmpty && compact.hasPrefix(wanted)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    /// The 32 bytes in one call: the synthesized hash feeds them one at a
    /// time, and a group message looks its 49 recipients up in sets of these.
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
