@testable import NatterWire
import Testing

@Suite("Passphrase strength estimate")
struct PassphraseStrengthTests {
    /// A table: passphrase, team name, the range its estimate must fall in.
    /// The ranges are what an attacker who knows common choices would pay.
    static let table: [(String, String, ClosedRange<Int>, PassphraseStrength.Rating)] = [
        ("password123!", "", 0...20, .weak),
        ("Password1234", "", 0...25, .weak),
        ("qwertyuiop123", "", 0...20, .weak),
        ("aaaaaaaaaaaaaaaa", "", 0...12, .weak),
        ("correct horse battery staple", "", 0...10, .weak),  // the famous one is on the list
        ("Summer2024!Summer2024!", "", 0...30, .weak),
        ("acme berlin 2024!", "Acme Berlin", 0...25, .weak),
        ("monkey dragon sunshine", "", 0...35, .weak),
        ("orbit velvet cactus plumber", "", 50...60, .fair),
        ("orbit velvet cactus plumber anthem", "", 60...70, .strong),
        ("orbit-velvet-cactus-plumber-anthem-glacier", "", 70...90, .strong),
        ("x7#Kq9!vLm2@Zr4$", "", 70...110, .strong),
        ("猫咪喜欢在阳光下睡觉", "", 45...55, .fair),
        ("我们的猫咪喜欢在温暖的阳光下睡觉", "", 70...90, .strong),
    ]

    @Test(arguments: table.indices)
    func estimates(_ index: Int) {
        let (passphrase, team, range, rating) = Self.table[index]
        let strength = PassphraseStrength.estimate(passphrase, teamName: team)
        #expect(range.contains(strength.bits), "\(passphrase): \(strength.bits) bits, \(strength.findings)")
        #expect(strength.rating == rating, "\(passphrase): \(strength.bits) bits")
    }

    @Test func findingsSayWhatMadeItCheap() {
        #expect(PassphraseStrength.estimate("Summer2024!Summer2024!").findings.contains("it contains a year"))
        #expect(PassphraseStrength.estimate("acme berlin rocks", teamName: "acme berlin").findings.contains("it contains the team's name"))
        #expect(PassphraseStrength.estimate("zxcvbnm;'").findings.contains("it follows the keyboard or the alphabet"))
        #expect(PassphraseStrength.estimate("password").findings == ["it is one of the most common passwords"])
    }

    /// Longer never costs less: adding a word to a passphrase raises its estimate.
    @Test func addingAWordNeverLowersTheEstimate() {
        var passphrase = "lantern"
        var last = PassphraseStrength.estimate(passphrase).bits
        for word in ["meadow", "copper", "violin", "harbour", "pebble"] {
            passphrase += " " + word
            let bits = PassphraseStrength.estimate(passphrase).bits
            #expect(bits > last, "\(passphrase)")
            last = bits
        }
    }

    @Test func crackTimeIsSaidInWords() {
        #expect(PassphraseStrength(bits: 50, findings: []).crackTime == "about 18 years")
        #expect(PassphraseStrength(bits: 20, findings: []).crackTime == "under two hours")
        #expect(PassphraseStrength(bits: 90, findings: []).crackTime == "more than a million years")
    }
}
