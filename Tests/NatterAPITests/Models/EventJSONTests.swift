import NatterAPI
import NatterCore
import Testing

/// The hand-written JSON of the frequent events must be byte for byte what
/// `JSONEncoder` writes (Docs/api.md's contract): same key order, same
/// escapes, same omissions. Checked against the encoder on many views with
/// awkward text.
@Suite("Event JSON written directly")
struct EventJSONTests {
    /// A small deterministic generator (xorshift64*), so a failure repeats.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    /// Every ASCII byte (controls, quote, reverse solidus, solidus, DEL) and
    /// characters an encoder might treat apart: accents, CJK, an emoji, the
    /// line and paragraph separators, a byte-order mark, a combining mark.
    static let characters: [Character] =
        (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
        + ["é", "你", "😀", "\u{2028}", "\u{2029}", "\u{FEFF}", "e\u{301}", "\u{10FFFF}"]

    static func text(_ random: inout Generator) -> String {
        String((0..<Int.random(in: 0...24, using: &random)).map { _ in characters.randomElement(using: &random)! })
    }

    static func number(_ random: inout Generator) -> UInt64 {
        [0, 1, 9, 10, UInt64.max, UInt64(Int64.max), UInt64.random(in: 0...UInt64.max, using: &random)].randomElement(using: &random)!
    }

    static func maybe<T>(_ value: T, _ random: inout Generator) -> T? { Bool.random(using: &random) ? value : nil }

    @Test func messagesAndReceiptsAreWhatTheEncoderWrites() throws {
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<2_000 {
            let view = MessageView(
                type: Bool.random(using: &random) ? .message : .delivery, id: Self.text(&random), peer: Self.text(&random),
                peerName: Self.text(&random), direction: MessageDirection.allCases.randomElement(using: &random)!, text: Self.text(&random),
                sequence: Self.number(&random), sentAt: Self.number(&random), receivedAt: Self.maybe(Self.number(&random), &random),
                delivery: DeliveryState.allCases.randomElement(using: &random)!)
            let event: APIEvent = view.type == .message ? .message(view) : .delivery(view)
            let expected = try APIJSON.line(view)
            try #require(try APIJSON.encode(event) == Array(expected.utf8), "\(expected)")
        }
    }

    @Test func groupMessagesAndReceiptsAreWhatTheEncoderWrites() throws {
        var random = Generator(state: 0xD1B5_4A32_D192_ED03)
        for _ in 0..<2_000 {
            let view = GroupMessageView(
                type: Bool.random(using: &random) ? .groupMessage : .groupDelivery, id: Self.text(&random),
                group: Self.maybe(Self.text(&random), &random), groupName: Self.maybe(Self.text(&random), &random),
                author: Self.text(&random), authorName: Self.text(&random), direction: MessageDirection.allCases.randomElement(using: &random)!,
                kind: GroupMessageView.Kind.allCases.randomElement(using: &random)!, text: Self.text(&random), sequence: Self.number(&random),
                sentAt: Self.number(&random), timestamp: Self.number(&random), receivedAt: Self.maybe(Self.number(&random), &random),
                delivered: Self.maybe(Int.random(in: Int.min...Int.max, using: &random), &random),
                recipients: Self.maybe(Int.random(in: -2...64, using: &random), &random),
                refused: Self.maybe(Bool.random(using: &random), &random))
            let event: APIEvent = view.type == .groupMessage ? .groupMessage(view) : .groupDelivery(view)
            let expected = try APIJSON.line(view)
            try #require(try APIJSON.encode(event) == Array(expected.utf8), "\(expected)")
        }
    }

    @Test func theOtherKindsStillGoThroughTheEncoder() throws {
        let state = StateView(peer: "F", peerName: "Bob", state: .typing, text: "Bob is typing…")
        #expect(try APIJSON.encode(APIEvent.state(state)) == Array(APIJSON.line(state).utf8))
    }
}
