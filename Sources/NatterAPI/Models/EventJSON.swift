/// The JSON of the events a busy daemon sends most (messages, receipts and
/// their group counterparts), written field by field.
///
/// Every event goes to every open event stream as JSON. Foundation's
/// `JSONEncoder` builds each one through its generic containers and then
/// sorts the keys: on a sender of a group message to 49 members that was
/// about 0.6 ms of CPU per message, on a machine where that CPU is the
/// latency. The bytes are the same as ``APIJSON``'s: keys in the order
/// `.sortedKeys` gives (listed below by hand, checked by the tests against
/// the encoder), nil optionals left out, slashes not escaped.
enum EventJSON {
    /// The event's JSON, or nil for the kinds left to `JSONEncoder` (rare ones).
    static func encode(_ event: APIEvent) -> [UInt8]? {
        switch event {
        case .message(let view), .delivery(let view): encode(view)
        case .groupMessage(let view), .groupDelivery(let view): encode(view)
        case .state, .peer, .conflict, .groupState, .group: nil
        }
    }

    static func encode(_ view: MessageView) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 256 + view.text.utf8.count)
        object.field("delivery", view.delivery.rawValue)
        object.field("direction", view.direction.rawValue)
        object.field("id", view.id)
        object.field("peer", view.peer)
        object.field("peerName", view.peerName)
        object.field("receivedAt", view.receivedAt)
        object.field("sentAt", view.sentAt)
        object.field("sequence", view.sequence)
        object.field("text", view.text)
        object.field("type", view.type.rawValue)
        return object.finish()
    }

    static func encode(_ view: GroupMessageView) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 384 + view.text.utf8.count)
        object.field("author", view.author)
        object.field("authorName", view.authorName)
        object.field("delivered", view.delivered)
        object.field("direction", view.direction.rawValue)
        object.field("group", view.group)
        object.field("groupName", view.groupName)
        object.field("id", view.id)
        object.field("kind", view.kind.rawValue)
        object.field("receivedAt", view.receivedAt)
        object.field("recipients", view.recipients)
        object.field("refused", view.refused)
        object.field("sentAt", view.sentAt)
        object.field("sequence", view.sequence)
        object.field("text", view.text)
        object.field("timestamp", view.timestamp)
        object.field("type", view.type.rawValue)
        return object.finish()
    }
}

/// One JSON object, its fields appended in the order given.
struct JSONObjectWriter {
    private var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    mutating func field(_ key: StaticString, _ value: UInt64?) {
        guard let value else { return }
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ key: StaticString, _ value: Bool?) {
        guard let value else { return }
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ key: StaticString, _ value: Int?) {
        guard let value else { return }
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    consuming func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    private mutating func key(_ key: StaticString) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// A JSON string as `JSONEncoder` writes it: quotation mark, reverse
    /// solidus and control characters escaped, everything else as is.
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
