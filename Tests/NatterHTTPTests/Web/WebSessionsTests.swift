import NatterCore
import Testing

import NatterNode
@testable import NatterHTTP

@Suite("WebSessions: one-time links and the sessions they open")
struct WebSessionsTests {
    let start = MonotonicInstant.origin

    @Test func aLinkWorksOnceAndOpensASession() {
        var sessions = WebSessions()
        let token = sessions.issueLink(at: start)
        let session = sessions.redeem(token, at: start + .seconds(1))
        #expect(session != nil)
        #expect(sessions.isSession(session ?? ""))
        #expect(sessions.redeem(token, at: start + .seconds(2)) == nil, "a second use opens nothing")
        #expect(!sessions.isSession(token), "a link's token is no session")
    }

    @Test func aLinkExpiresAfterItsLifetimeAndIsGoneAfterATry() {
        var sessions = WebSessions()
        let token = sessions.issueLink(at: start)
        #expect(sessions.redeem(token, at: start + HTTPConstants.webLinkLifetime) == nil)
        let fresh = sessions.issueLink(at: start)
        #expect(sessions.redeem(fresh, at: start + (HTTPConstants.webLinkLifetime - .milliseconds(1))) != nil)
    }

    @Test func unknownTokensAndSessionsOpenNothing() {
        var sessions = WebSessions()
        _ = sessions.issueLink(at: start)
        #expect(sessions.redeem("", at: start) == nil)
        #expect(sessions.redeem(String(repeating: "0", count: 64), at: start) == nil)
        #expect(!sessions.isSession(""))
    }

    @Test func outstandingLinksAndSessionsAreBoundedOldestFirst() {
        var sessions = WebSessions()
        let first = sessions.issueLink(at: start)
        for _ in 0..<HTTPConstants.webLinksOutstanding { _ = sessions.issueLink(at: start) }
        #expect(sessions.redeem(first, at: start) == nil, "the oldest link made room")

        var opened: [String] = []
        for _ in 0...HTTPConstants.webSessions {
            let token = sessions.issueLink(at: start)
            opened.append(sessions.redeem(token, at: start)!)
        }
        #expect(!sessions.isSession(opened[0]), "the oldest session made room")
        #expect(sessions.isSession(opened[opened.count - 1]))
    }

    @Test func secretsAre256RandomBitsInHex() {
        let secrets = (0..<100).map { _ in WebSessions.randomSecret() }
        #expect(Set(secrets).count == 100)
        #expect(secrets.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test func secretsCompareByValue() {
        #expect(WebSessions.sameSecret("abc", "abc"))
        #expect(!WebSessions.sameSecret("abc", "abd"))
        #expect(!WebSessions.sameSecret("abc", "abcd"))
    }
}
