extension DeviceFingerprint {
    /// All 32 bytes as base32 (52 characters): the lossless form the store and
    /// the pin file use, where ``compact`` would drop the tail.
    public var fullText: String { Base32.encode(bytes) }

    /// Parses ``fullText``; nil for anything else.
    public init?(fullText: String) {
        guard let bytes = Base32.decode(fullText), bytes.count == Self.byteCount else { return nil }
        self.init(bytes: bytes)
    }
}
