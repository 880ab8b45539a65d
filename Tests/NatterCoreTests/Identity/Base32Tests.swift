import NatterCore
import Testing

@Suite struct Base32Tests {
    // RFC 4648 §10 test vectors, without the padding natter does not use.
    @Test(arguments: [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base32.encode(Array(plain.utf8)) == encoded)
        #expect(Base32.decode(encoded) == Array(plain.utf8))
    }

    @Test func decodingIgnoresCaseSpacesAndDashes() {
        #expect(Base32.decode("mzxw-6ytb oi") == Array("foobar".utf8))
    }

    @Test func decodingRejectsCharactersOutsideTheAlphabet() {
        #expect(Base32.decode("MZXW0") == nil)
        #expect(Base32.decode("MZ!W") == nil)
    }

    @Test func fingerprintShowsEightGroupsOfFourAndMatchesPrefixes() {
        let fingerprint = DeviceFingerprint(bytes: Array(repeating: 0xAB, count: 32))
        let groups = fingerprint.description.split(separator: " ")
        #expect(groups.count == 8)
        #expect(groups.allSatisfy { $0.count == 4 })
        #expect(fingerprint.compact.count == 32)
        #expect(fingerprint.matches(prefix: fingerprint.compact.prefix(6).lowercased()))
        #expect(fingerprint.matches(prefix: String(groups[0]) + "-" + String(groups[1])))
        #expect(!fingerprint.matches(prefix: "ZZZZ"))
        #expect(!fingerprint.matches(prefix: ""))
    }
}
