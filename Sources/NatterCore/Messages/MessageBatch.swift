/// Several texts for one colleague posted in one API request
/// (`POST /v1/messages/batch`), for scripts and bulk senders: one request,
/// one hop into the daemon and a shared group commit instead of one of each
/// per message.
public enum MessageBatch {
    /// The most texts one request may carry: enough that the per-request cost
    /// of the local API vanishes, small enough that a batch's answer stays a
    /// few tens of kilobytes and the batch fits one group commit (1,024 writes).
    public static let maximumCount = 500

    /// Why a batch cannot be sent; nothing of it is stored then.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case tooMany(count: Int)
        /// The text at `index` (counted from 0) breaks ``MessageText``'s rules.
        case text(index: Int, MessageText.Problem)

        public var description: String {
            switch self {
            case .empty:
                "the batch holds no texts; send at least one"
            case .tooMany(let count):
                "the batch holds \(count) texts, over the limit of \(MessageBatch.maximumCount); split it into several requests"
            case .text(let index, let problem):
                "text \(index) (counting from 0): \(problem.description)"
            }
        }
    }

    /// Checks the whole batch before any of it is stored, so a bad text
    /// refuses the request instead of sending half of it.
    public static func validate(_ texts: [String]) -> Problem? {
        if texts.isEmpty { return .empty }
        if texts.count > maximumCount { return .tooMany(count: texts.count) }
        for (index, text) in texts.enumerated() {
            if let problem = MessageText.validate(text) { return .text(index: index, problem) }
        }
        return nil
    }

    /// Ids for `count` messages created in the same millisecond, ascending,
    /// so the batch keeps its order in every history (which sorts by send
    /// time, then id) on both sides.
    public static func ids(count: Int, unixMilliseconds: UInt64, using generator: inout some RandomNumberGenerator) -> [MessageID] {
        (0..<count).map { _ in MessageID(unixMilliseconds: unixMilliseconds, using: &generator) }.sorted()
    }
}
