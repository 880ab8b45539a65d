/// Hands out the sender's sequence numbers — one counter for chat messages and
/// state events alike — that keep increasing across restarts and crashes.
///
/// Persisting every state event's number would cost a disk write per keystroke,
/// so numbers are reserved in blocks: the store records the end of the current
/// block before any number in it is used. A crash skips the rest of the block,
/// which is harmless; reuse, which would let a stale "typing" outrank a newer
/// message, cannot happen.
public struct SequenceAllocator: Sendable {

    private var next: UInt64
    private var reservedEnd: UInt64

    /// Starts after everything a previous run may have used.
    /// - Parameter persistedEnd: the block end recorded by the last run (0 on first run).
    public init(persistedEnd: UInt64) {
        next = max(persistedEnd, 1)
        reservedEnd = next
    }

    /// The next number; when it opens a new block, `reservation` carries the new
    /// end that the caller must persist *before* using the number.
    public mutating func allocate() -> (sequence: UInt64, reservation: UInt64?) {
        var reservation: UInt64?
        if next >= reservedEnd {
            reservedEnd = next + NodeConstants.sequenceBlockSize
            reservation = reservedEnd
        }
        defer { next += 1 }
        return (next, reservation)
    }
}
