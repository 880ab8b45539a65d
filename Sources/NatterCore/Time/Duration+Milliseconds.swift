extension Duration {
    /// The duration in whole milliseconds (truncated), for wall-clock
    /// arithmetic on Unix-millisecond timestamps.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
