public import NatterCore

/// Turns what a user typed for PEER — a display name or a fingerprint prefix —
/// into one colleague, or an error that lists the candidates.
///
/// Matching goes from most to least specific and stops at the first rule that
/// matches anyone: a whole fingerprint, then the exact name (ignoring case)
/// or a fingerprint prefix, then a name prefix. So "bob" picks "Bob" even
/// when "Bobby" exists.
///
/// Names are claims and keys are identities: a colleague may call herself
/// anything, even another's fingerprint, so a whole fingerprint (what the web
/// UI and scripts send) always means that device, and a query that is one
/// colleague's name and another's fingerprint prefix is ambiguous, never a
/// silent pick.
public enum PeerResolver {
    public struct Candidate: Sendable, Equatable {
        public let fingerprint: DeviceFingerprint
        public let name: String
        public init(fingerprint: DeviceFingerprint, name: String) {
            self.fingerprint = fingerprint
            self.name = name
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case noMatch(String)
        case ambiguous(String, [Candidate])

        public var description: String {
            switch self {
            case .noMatch(let query):
                "no colleague matches \"\(query)\"; run natter peers to see who is known"
            case .ambiguous(let query, let candidates):
                "\"\(query)\" matches several colleagues: "
                    + candidates.map { "\($0.name) (\($0.fingerprint.compact.prefix(8)))" }.joined(separator: ", ")
                    + "; use more of the fingerprint"
            }
        }
    }

    public static func resolve(_ query: String, among candidates: [Candidate]) -> Result<Candidate, Failure> {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return .failure(.noMatch(query)) }
        let lowered = trimmed.lowercased()
        let whole = Base32.normalize(trimmed)
        let rules: [(Candidate) -> Bool] = [
            { $0.fingerprint.compact == whole },
            { $0.name.lowercased() == lowered || (trimmed.count >= 4 && $0.fingerprint.matches(prefix: trimmed)) },
            { $0.name.lowercased().hasPrefix(lowered) },
        ]
        for rule in rules {
            var seen = Set<DeviceFingerprint>()
            let matches = candidates.filter { rule($0) && seen.insert($0.fingerprint).inserted }
            if matches.count == 1 { return .success(matches[0]) }
            if matches.count > 1 { return .failure(.ambiguous(query, matches.sorted { $0.name < $1.name })) }
        }
        return .failure(.noMatch(query))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

extension Set where Element == Character {
    fileprivate static var whitespaces: Set<Character> { [" ", "\t"] }
}
