/// An identifier made of a fixed number of random or time-ordered bytes,
/// written as lowercase hex in the API, the store and logs, and ordered by
/// its bytes. Message ids and group ids share this, so both read, compare
/// and encode alike.
public protocol HexIdentifier: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    static var byteCount: Int { get }
    /// A name for error messages: "message id", "group id".
    static var noun: String { get }
    var bytes: [UInt8] { get }
    /// nil unless exactly ``byteCount`` bytes.
    init?(bytes: [UInt8])
}

extension HexIdentifier {
    /// Parses the lowercase (any case accepted) hex form.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The `2 × byteCount`-character lowercase hex form.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a \(Self.byteCount * 2)-digit hex \(Self.noun)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
