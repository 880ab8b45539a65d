/// Counts the API's open connections and says when a burst is over: the last
/// of at least `threshold` simultaneous connections closed. Then the server
/// hands the memory those connections used back to the system
/// (`MemoryTrim`): glibc keeps freed memory in its arenas for reuse, so
/// without that a daemon that once served 1,000 connections would keep
/// their 15 MB for the rest of its life (measured: Docs/api.md).
///
/// Pure; the server holds it under a lock.
struct ConnectionBurst: Sendable {
    let threshold: Int
    private(set) var open = 0
    /// The most connections open at once since the last burst ended.
    private(set) var peak = 0

    init(threshold: Int) {
        self.threshold = threshold
    }

    mutating func opened() {
        open += 1
        peak = max(peak, open)
    }

    /// One connection closed. - Returns: true when it ends a burst (give memory back now).
    mutating func closed() -> Bool {
        open = max(0, open - 1)
        guard open == 0 else { return false }
        defer { peak = 0 }
        return peak >= threshold
    }
}
