import NatterCore

/// The web UI's credentials: one-time links and the sessions they open.
///
/// A link's token and a session's id are each 256 random bits. A link is
/// handed out only on the Unix socket (so only this user can have one), works
/// once, and expires after ``HTTPConstants/webLinkLifetime``; using it opens a
/// session, which lasts until the daemon stops (the browser keeps its cookie
/// for as long as it runs). Both are held in memory only: a restarted daemon
/// knows no session, and the user runs `natter open` again.
///
/// Pure: time is passed in, so the rules are tested without waiting.
struct WebSessions: Sendable {
    /// Outstanding links, oldest first, with the moment each expires.
    private var links: [(token: String, expires: MonotonicInstant)] = []
    /// Open sessions, oldest first.
    private var sessions: [String] = []
    private let makeSecret: @Sendable () -> String

    /// - Parameter makeSecret: a new 256-bit secret as text; tests may pass their own.
    init(makeSecret: @escaping @Sendable () -> String = WebSessions.randomSecret) {
        self.makeSecret = makeSecret
    }

    /// A new link's token, valid until `now + webLinkLifetime`.
    mutating func issueLink(at now: MonotonicInstant) -> String {
        links.removeAll { $0.expires <= now }
        if links.count >= HTTPConstants.webLinksOutstanding { links.removeFirst() }
        let token = makeSecret()
        links.append((token, now + HTTPConstants.webLinkLifetime))
        return token
    }

    /// Uses a link: the new session's id, or nil when the token is unknown,
    /// already used, or expired. A token is forgotten on its first use either way.
    mutating func redeem(_ token: String, at now: MonotonicInstant) -> String? {
        guard let index = links.firstIndex(where: { Self.sameSecret($0.token, token) }) else { return nil }
        let link = links.remove(at: index)
        guard now < link.expires else { return nil }
        if sessions.count >= HTTPConstants.webSessions { sessions.removeFirst() }
        let session = makeSecret()
        sessions.append(session)
        return session
    }

    func isSession(_ id: String) -> Bool {
        sessions.contains { Self.sameSecret($0, id) }
    }

    /// 32 bytes from the system's CSPRNG (getrandom(2) on Linux), as 64 hex digits.
    @Sendable static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }

    /// Compares in time independent of where the two differ, so a guess's
    /// answer time says nothing about how much of it was right.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
