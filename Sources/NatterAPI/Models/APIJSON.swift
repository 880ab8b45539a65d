import Foundation

/// The one JSON dialect of the local API, shared by the daemon and its
/// clients: keys sorted (stable output for scripts and tests), slashes not
/// escaped, nil optionals omitted.
public enum APIJSON {
    // One of each, shared: every event and answer goes through here, and
    // Foundation's coders are safe to share once configured.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private static let decoder = JSONDecoder()

    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// An event: the frequent kinds written directly (``EventJSON``), the same bytes.
    public static func encode(_ event: APIEvent) throws -> [UInt8] {
        if let bytes = EventJSON.encode(event) { return bytes }
        return Array(try encoder.encode(event))
    }

    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: some Collection<UInt8>) throws -> Value {
        try decoder.decode(type, from: Data(bytes))
    }

    /// One JSON document as a line of text (what `--json` output prints).
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
