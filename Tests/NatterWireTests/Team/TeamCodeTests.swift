import Foundation
import NatterCore
import NatterWire
import Testing

@Suite("Team codes and passphrases")
struct TeamCodeTests {
    @Test func aCodeRoundTripsInAnyCaseWithOrWithoutDashes() throws {
        let key = TeamKey()
        let code = TeamCode.encode(key)
        #expect(code.split(separator: "-").map(\.count) == [6, 6, 6, 6, 6, 6, 6, 6, 6, 4])
        #expect(try TeamCode.decode(code).bytes == key.bytes)
        #expect(try TeamCode.decode(code.lowercased().replacingOccurrences(of: "-", with: " ")).bytes == key.bytes)
    }

    @Test func everySingleCharacterTypoIsCaught() {
        let code = TeamCode.encode(TeamKey())
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var caught = 0, tried = 0
        for index in code.indices where code[index] != "-" {
            let original = code[index]
            let replacement = alphabet.first { $0 != original }!
            var typo = code
            typo.replaceSubrange(index...index, with: String(replacement))
            tried += 1
            if (try? TeamCode.decode(typo)) == nil { caught += 1 }
        }
        // The last character carries 2 bits of padding the decoder drops; every other typo is caught.
        #expect(caught >= tried - 1, "\(caught) of \(tried) typos caught")
    }

    @Test func aTruncatedOrPaddedCodeIsMalformed() {
        let code = TeamCode.encode(TeamKey())
        #expect(throws: TeamCodeError.malformed) { try TeamCode.decode(String(code.dropLast(7))) }
        #expect(throws: TeamCodeError.malformed) { try TeamCode.decode(code + "AAAAAAAA") }
        #expect(throws: TeamCodeError.malformed) { try TeamCode.decode("not a code!") }
    }

    /// Golden values from an independent scrypt (Python's hashlib.scrypt with
    /// N=32768, r=8, p=1, salt "natter team passphrase v1", 32 bytes): they pin
    /// the documented parameters, not just this implementation's agreement with itself.
    @Test func aPassphraseDerivesTheDocumentedScryptKey() throws {
        #expect(Hex.encode(try TeamCode.derive(passphrase: "correct horse battery staple").bytes)
            == "434c80d92f25dfa85cb588d330ef6dff3f6067c0e588bdcf8c5ce49c8c601879")
    }

    @Test func composedAndDecomposedSpellingsDeriveTheSameKey() throws {
        let composed = "Zo\u{EB} caf\u{E9} passphrase"
        let decomposed = "Zoe\u{308} cafe\u{301} passphrase"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        let golden = "52b2d4cc4a32e28b6390193af56565a06583dc8d29771c67c9ca5dbf90b7be3f"
        #expect(Hex.encode(try TeamCode.derive(passphrase: composed).bytes) == golden)
        #expect(Hex.encode(try TeamCode.derive(passphrase: decomposed).bytes) == golden)
    }

    @Test func aShortPassphraseIsRefused() {
        #expect(throws: TeamCodeError.passphraseTooShort) { try TeamCode.derive(passphrase: "short pass") }
    }
}
