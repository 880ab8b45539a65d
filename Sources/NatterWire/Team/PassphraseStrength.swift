import Foundation

/// A small, honest estimate of how many guesses a passphrase costs an
/// attacker who knows how people choose them (Docs/protocol.md §2.3).
///
/// The passphrase is cut into runs of letters, digits and other characters,
/// and each run is priced as the cheaper of two attacks, in bits (log2 of
/// guesses):
///
/// - **letters**: a word from the embedded list of common passwords and
///   words (``PassphraseWords``) costs log2 of the list's size; a run in
///   keyboard or alphabet order, or one letter repeated, about 7 bits;
///   otherwise 2 bits per letter — the rate of words drawn from an attacker's
///   dictionary (a 6-letter word ≈ 12 bits, a word of a 4,096-word list),
///   since without a dictionary natter cannot tell "staple" from "xqzvkw";
///   5 bits per Han character, kana or Hangul syllable.
///   Mixed case inside a run is priced as random letters (log2 52 per letter).
///   Capitalising the first letter or the whole run adds 1 bit.
/// - **digits**: a year 1950–2049 costs log2 100; a sequence or repeat about
///   5 bits; otherwise log2 10 per digit.
/// - **others** (spaces, punctuation, symbols): log2 33 per character; a
///   separator repeated between words costs nothing after its first use.
/// - The team's name, and any run repeating an earlier one, cost 1 bit.
///
/// It errs on the low side for random letter strings (priced as words) and
/// on the high side for words outside its short list; a team code (256
/// random bits) beats any passphrase.
public struct PassphraseStrength: Sendable, Equatable {
    public enum Rating: String, Sendable, Equatable {
        case weak, fair, strong
    }

    /// Estimated guesses, as a power of two.
    public let bits: Int
    public let rating: Rating
    /// What made it cheap, worst first, for the refusal sentence ("a common password", "a year").
    public let findings: [String]

    /// Below this natter refuses the passphrase. At an assumed 10^6 guesses
    /// per second (many GPUs against scrypt N = 2^17, r = 8), 2^50 guesses
    /// take about 18 years on average.
    public static let minimumBits = 50
    /// From here on a passphrase is called strong (≈ 600,000 years at the same rate).
    public static let strongBits = 65
    /// The attacker's rate assumed for the time shown to users.
    public static let assumedGuessesPerSecond = 1_000_000.0

    /// Average time to find the passphrase at ``assumedGuessesPerSecond``,
    /// in words ("about 18 years").
    public var crackTime: String {
        let seconds = pow(2, Double(bits) - 1) / Self.assumedGuessesPerSecond
        let years = seconds / (365.25 * 86_400)
        if years >= 1_000_000 { return "more than a million years" }
        if years >= 2 { return "about \(Int(years.rounded())) years" }
        let days = seconds / 86_400
        if days >= 2 { return "about \(Int(days.rounded())) days" }
        let hours = seconds / 3600
        if hours >= 2 { return "about \(Int(hours.rounded())) hours" }
        return "under two hours"
    }

    public static func estimate(_ passphrase: String, teamName: String = "") -> PassphraseStrength {
        let text = passphrase.precomposedStringWithCanonicalMapping
        var bits = 0.0
        var findings: [String] = []
        func note(_ finding: String) { if !findings.contains(finding) { findings.append(finding) } }

        let whole = text.lowercased().filter { !$0.isWhitespace }
        if let rank = PassphraseWords.rank(of: whole) {
            note("it is one of the most common passwords")
            return PassphraseStrength(bits: Int(log2(Double(rank + 2)).rounded(.up)), findings: findings)
        }
        let team = TeamCode.normalisedTeamName(teamName).replacingOccurrences(of: " ", with: "")
        var seenRuns: Set<String> = []
        var seenSeparators: Set<String> = []
        for run in runs(of: text) {
            let lower = run.text.lowercased()
            if !team.isEmpty, lower.count >= 3, team.contains(lower) {
                note("it contains the team's name")
                bits += 1
                continue
            }
            if !seenRuns.insert(lower).inserted {
                note("it repeats itself")
                bits += 1
                continue
            }
            switch run.kind {
            case .letters: bits += letters(run.text, note: note)
            case .digits: bits += digits(run.text, note: note)
            case .other:
                if seenSeparators.contains(run.text) {
                    continue
                }
                seenSeparators.insert(run.text)
                bits += Double(run.text.count) * log2(33)
            }
        }
        return PassphraseStrength(bits: Int(bits.rounded(.down)), findings: findings)
    }

    init(bits: Int, findings: [String]) {
        self.bits = bits
        self.rating = bits < Self.minimumBits ? .weak : bits < Self.strongBits ? .fair : .strong
        self.findings = findings
    }

    enum Kind { case letters, digits, other }

    static func runs(of text: String) -> [(kind: Kind, text: String)] {
        var result: [(kind: Kind, text: String)] = []
        for character in text {
            let kind: Kind = character.isLetter ? .letters : character.isNumber ? .digits : .other
            if let last = result.last, last.kind == kind {
                result[result.count - 1].text.append(character)
            } else {
                result.append((kind, String(character)))
            }
        }
        return result
    }

    static let sequences = ["abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop", "0123456789", "1234567890"]

    /// In alphabet, digit or keyboard-row order (either direction), or one character repeated.
    static func isPattern(_ lower: String) -> Bool {
        guard lower.count >= 3 else { return false }
        if Set(lower).count == 1 { return true }
        return sequences.contains { $0.contains(lower) || String($0.reversed()).contains(lower) }
    }

    static func letters(_ run: String, note: (String) -> Void) -> Double {
        let lower = run.lowercased()
        let length = Double(run.count)
        let ascii = run.unicodeScalars.allSatisfy(\.isASCII)
        // Han, kana and Hangul syllables are words or syllables on their own: about 5 bits each.
        let perLetter: Double = run.unicodeScalars.contains(where: isSyllabic) ? 5 : 2
        // Case: all lower, all upper or Capitalised cost 1 bit at most; anything else is random letters.
        let tail = run.dropFirst()
        let plainCase = run == lower || run == run.uppercased() || (tail == tail.lowercased()[...])
        let caseBits: Double = run == lower ? 0 : 1
        if let rank = PassphraseWords.rank(of: lower) {
            note("it is made of common words or passwords")
            return log2(Double(rank + 2)) + caseBits
        }
        if isPattern(lower) {
            note("it follows the keyboard or the alphabet")
            return log2(26 * 2 * length) + caseBits
        }
        if !plainCase { return length * log2(ascii ? 52 : 1000) }
        // A word from an attacker's dictionary: about 2 bits a letter, never more than brute force.
        let brute = length * log2(ascii ? 26 : 1000)
        if run.count <= 3 { note("it has very short words") }
        return min(brute, max(perLetter * length, 8)) + caseBits
    }

    static func isSyllabic(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isIdeographic || (0x3040...0x30FF).contains(scalar.value) || (0xAC00...0xD7A3).contains(scalar.value)
    }

    static func digits(_ run: String, note: (String) -> Void) -> Double {
        if run.count == 4, let year = Int(run), (1950...2049).contains(year) {
            note("it contains a year")
            return log2(100)
        }
        if isPattern(run) {
            note("it has digits in order or repeated")
            return log2(10 * 2 * Double(run.count))
        }
        return Double(run.count) * log2(10)
    }
}
