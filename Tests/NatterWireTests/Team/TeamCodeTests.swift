import Foundation
import NatterCore
@testable import NatterWire
import NatterTesting
import Testing

@Suite("Team codes and passphrases")
struct TeamCodeTests {
    /// A key from a passphrase, hex. scrypt takes a CPU for about a second
    /// here, so it runs on a thread of its own, not on Swift's cooperative
    /// pool, where it would starve the servers of tests running beside it.
    func derivedKey(_ passphrase: String, team: String) async throws -> String {
        try await onOwnThread { Hex.encode(try TeamCode.deriveUnchecked(passphrase: passphrase, teamName: team).bytes) }
    }

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
    /// N=2^17, r=8, p=1, salt "natter team passphrase v2" ‖ 0x00 ‖ team name,
    /// 32 bytes): they pin the documented parameters, not just this
    /// implementation's agreement with itself.
    @Test func aPassphraseDerivesTheDocumentedScryptKey() async throws {
        #expect(try await derivedKey("correct horse battery staple", team: "acme berlin")
            == "869ccfd443164738d9bde062bb34b43b5961b78a277c15a228716f0a9cb85fe6")
    }

    /// The team name salts the derivation: one dictionary of precomputed
    /// keys does not work against every team.
    @Test func theSamePassphraseGivesAnotherKeyInAnotherTeam() async throws {
        #expect(try await derivedKey("correct horse battery staple", team: "acme paris")
            == "d2d0fe33accdfbf1044c5da04d165b1cd28deeee2c358244ac2b2079c6dc3bf4")
    }

    @Test func composedAndDecomposedSpellingsDeriveTheSameKey() async throws {
        let composed = "Zo\u{EB} caf\u{E9} passphrase"
        let decomposed = "Zoe\u{308} cafe\u{301} passphrase"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        let golden = "8c9e1c9689499f111d6099541ec656217d753a75ad2fc1a645c39c1d84323c26"
        #expect(try await derivedKey(composed, team: "caf\u{E9} zo\u{EB}") == golden)
        // The team name is normalised too: case, spaces and composition do not matter.
        #expect(try await derivedKey(decomposed, team: "  Cafe\u{301}   ZOE\u{308} ") == golden)
    }

    @Test func teamNamesAreNormalised() {
        #expect(TeamCode.normalisedTeamName("  Acme \t Berlin\n") == "acme berlin")
        #expect(TeamCode.normalisedTeamName("   ") == "")
    }

    @Test func aShortOrWeakPassphraseOrNoTeamNameIsRefusedWithAReason() throws {
        #expect(throws: TeamCodeError.passphraseTooShort) { try TeamCode.derive(passphrase: "short pass", teamName: "acme") }
        #expect(throws: TeamCodeError.teamNameMissing) { try TeamCode.derive(passphrase: "orbit velvet cactus plumber anthem", teamName: " ") }
        #expect(throws: TeamCodeError.teamNameTooLong) {
            try TeamCode.derive(passphrase: "orbit velvet cactus plumber anthem", teamName: String(repeating: "x", count: 65))
        }
        do {
            _ = try TeamCode.derive(passphrase: "Summer2024!Summer2024!", teamName: "acme")
            Issue.record("a season, a year and a repeat were accepted")
        } catch {
            guard case .passphraseTooWeak(let strength) = error else { Issue.record("\(error)"); return }
            let sentence = error.description
            #expect(sentence.contains("too easy to guess") && sentence.contains("a year") && sentence.contains("team code"), "\(sentence)")
            #expect(strength.bits < PassphraseStrength.minimumBits)
        }
    }
}
