/// When the forwarder hands the heap it no longer uses back to the kernel.
///
/// A registration storm queues megabytes of directory batches for members
/// that read more slowly than the forwarder writes. Once they are written
/// the allocator keeps the freed pages, and glibc's heap, fragmented by the
/// connections that stayed, cannot shrink from the top: at 10,000 members
/// the forwarder kept 28 KiB per member of which only about 10 is theirs.
/// `malloc_trim` returns such pages wherever they lie; it walks the whole
/// heap, so it runs once a storm is over, not on every quiet second.
public struct HeapTrimPolicy: Sendable, Equatable {
    /// Written since the last trim before one is worth it.
    public var minimumWritten: Int
    /// A second with less written than this ends a storm.
    public var quietBelow: Int
    private var writtenSinceTrim = 0

    public init(minimumWritten: Int = 4 << 20, quietBelow: Int = 64 << 10) {
        self.minimumWritten = minimumWritten
        self.quietBelow = quietBelow
    }

    /// Another second went by with `written` bytes queued to members; true
    /// when the heap should be trimmed now.
    public mutating func secondPassed(written: Int) -> Bool {
        writtenSinceTrim += written
        guard writtenSinceTrim >= minimumWritten, written < quietBelow else { return false }
        writtenSinceTrim = 0
        return true
    }
}
