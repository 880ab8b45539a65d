/// A group's identity: 128 random bits, chosen by its creator.
///
/// Random rather than derived from the name or the members, so two groups
/// called `#Lunch` never merge, and a renamed or reshaped group keeps its id.
/// Every group frame names its group by this id (Docs/protocol.md §5.9).
public struct GroupID: HexIdentifier {
    public static let byteCount = 16
    public static let noun = "group id"

    public let bytes: [UInt8]

    /// Wraps existing bytes (a frame, the store); nil unless exactly ``byteCount``.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// A new id; the generator is injectable so tests are reproducible.
    public init(using generator: inout some RandomNumberGenerator) {
        bytes = (0..<Self.byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
