/// The sliding anti-replay window of RFC 6479 (as WireGuard uses it): accepts
/// each counter at most once, tolerates reordering within the window, and
/// refuses anything older than the window.
///
/// A bitmap of ``WireConstants/replayWindowSize`` + 64 bits kept in 64-bit
/// blocks; `check` and `accept` are split so a datagram is marked seen only
/// after it authenticated.
public struct ReplayWindow: Sendable {
    static let blockBits: UInt64 = 64
    static let windowSize = WireConstants.replayWindowSize
    static let blockCount = Int((windowSize + blockBits) / blockBits)

    private var blocks = [UInt64](repeating: 0, count: blockCount)
    /// The highest counter accepted so far; nil before the first.
    public private(set) var highest: UInt64?

    public init() {}

    /// True when `counter` is new and inside the window.
    public func check(_ counter: UInt64) -> Bool {
        guard let highest else { return true }
        if counter > highest { return true }
        if highest - counter >= Self.windowSize { return false }
        let (block, bit) = Self.position(counter)
        return blocks[block] & (1 << bit) == 0
    }

    /// Records `counter` as seen. Returns false (and changes nothing) when it
    /// is a replay or too old.
    @discardableResult
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard check(counter) else { return false }
        if let highest, counter > highest {
            // Clear the blocks the window slides over.
            let currentBlock = highest / Self.blockBits
            let newBlock = counter / Self.blockBits
            let toClear = min(newBlock - currentBlock, UInt64(Self.blockCount))
            for step in 0..<toClear {
                blocks[Int((currentBlock + 1 + step) % UInt64(Self.blockCount))] = 0
            }
        } else if highest == nil {
            blocks[Self.position(counter).block] = 0
        }
        if highest.map({ counter > $0 }) ?? true { highest = counter }
        let (block, bit) = Self.position(counter)
        blocks[block] |= 1 << bit
        return true
    }

    private static func position(_ counter: UInt64) -> (block: Int, bit: UInt64) {
        (Int((counter / blockBits) % UInt64(blockCount)), counter % blockBits)
    }
}
