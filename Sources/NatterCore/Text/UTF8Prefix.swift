extension String {
    /// The longest prefix whose UTF-8 encoding fits in `maximumBytes`, cut on a
    /// Unicode scalar boundary.
    ///
    /// Names travel in fields bounded in bytes (hello frames, mDNS records);
    /// cutting the raw UTF-8 could split a character, and the receiver would
    /// then rightly refuse the whole field as invalid UTF-8 — locking out a
    /// colleague whose long Chinese name was merely too long.
    public func prefix(utf8Bytes maximumBytes: Int) -> String {
        guard utf8.count > maximumBytes else { return self }
        var scalars = String.UnicodeScalarView()
        var used = 0
        for scalar in unicodeScalars {
            let length = String(scalar).utf8.count
            guard used + length <= maximumBytes else { break }
            scalars.append(scalar)
            used += length
        }
        return String(scalars)
    }
}
