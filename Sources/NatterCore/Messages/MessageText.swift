/// Chat text as natter accepts it: any Unicode, bounded in size.
public enum MessageText {
    /// 16 KiB of UTF-8 — several pages of prose, far more than a chat line, and
    /// small enough that a message always fits one link frame (64 KiB) with room
    /// for encryption overhead. Counted in UTF-8 bytes because that is what the
    /// wire and the store carry; 16 KiB is about 5,400 Chinese characters.
    public static let maximumUTF8Bytes = 16 * 1024

    /// Why a text cannot be sent.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLong(utf8Bytes: Int)

        public var description: String {
            switch self {
            case .empty:
                "the message is empty; type some text to send"
            case .tooLong(let bytes):
                "the message is \(bytes) bytes of UTF-8, over the limit of \(MessageText.maximumUTF8Bytes); split it into shorter messages"
            }
        }
    }

    /// Checks `text` against the limits; whitespace-only text counts as empty.
    public static func validate(_ text: String) -> Problem? {
        if text.allSatisfy(\.isWhitespace) { return .empty }
        let bytes = text.utf8.count
        if bytes > maximumUTF8Bytes { return .tooLong(utf8Bytes: bytes) }
        return nil
    }
}
