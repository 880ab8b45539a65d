import Testing

import NatterNode
@testable import NatterHTTP

@Suite("WebGate: who may use the web UI")
struct WebGateTests {
    let gate = WebGate(port: 21000)
    let session = "s3cret"

    /// A same-origin request of a signed-in browser, as Chromium sends it.
    func request(
        _ method: String = "GET", _ path: String = "/v1/peers", host: String? = "127.0.0.1:21000", origin: String? = nil,
        site: String? = "same-origin", upgrade: String? = nil, cookies: [String] = ["natter_session_21000=s3cret"]
    ) -> WebRequestFacts {
        WebRequestFacts(method: method, path: path, host: host, origin: origin, fetchSite: site, upgrade: upgrade, cookies: cookies)
    }

    func verdict(_ facts: WebRequestFacts) -> WebVerdict {
        gate.verdict(for: facts, isSession: { $0 == session })
    }

    func status(_ facts: WebRequestFacts) -> Int? {
        if case .refuse(let status, _) = verdict(facts) { return status }
        return nil
    }

    @Test(arguments: ["127.0.0.1:21000", "[::1]:21000", "localhost:21000", "LOCALHOST:21000"])
    func theLoopbackNamesWithThisPortAreServed(host: String) {
        #expect(verdict(request(host: host)) == .serve)
    }

    @Test(arguments: [
        "evil.example:21000", "127.0.0.1:21001", "127.0.0.1", "localhost", "192.168.1.5:21000", "127.0.0.1.evil.example:21000",
        "", "[::1]:2100",
    ])
    func anyOtherHostIsRefusedAgainstDNSRebinding(host: String) {
        #expect(status(request(host: host)) == 403)
    }

    @Test func aRequestWithoutHostIsRefused() {
        #expect(status(request(host: nil)) == 403)
    }

    @Test func noCookieOrAnUnknownSessionIs401() {
        #expect(status(request(cookies: [])) == 401)
        #expect(status(request(cookies: ["natter_session_21000=guess"])) == 401)
        #expect(status(request(cookies: ["natter_session_21001=s3cret"])) == 401, "another port's cookie is not this one")
        #expect(verdict(request(cookies: ["theme=dark; natter_session_21000=s3cret"])) == .serve, "found among other cookies")
    }

    @Test func anOriginMustBeExactlyThisListener() {
        #expect(verdict(request(origin: "http://127.0.0.1:21000")) == .serve)
        #expect(verdict(request(host: "localhost:21000", origin: "http://localhost:21000")) == .serve)
        for foreign in ["https://evil.example", "http://127.0.0.1:21001", "null", "http://localhost:21000", "https://127.0.0.1:21000"] {
            #expect(status(request(origin: foreign)) == 403, "\(foreign)")
        }
    }

    @Test func stateChangingRequestsMustCarryTheOrigin() {
        for method in ["POST", "DELETE", "PUT", "PATCH"] {
            #expect(status(request(method, "/v1/messages")) == 403, "\(method) without Origin")
            #expect(verdict(request(method, "/v1/messages", origin: "http://127.0.0.1:21000")) == .serve)
        }
    }

    @Test func aSameOriginEventStreamNeedsNoOriginButAForeignOneIsRefused() {
        // EventSource is a GET: same-origin, browsers send no Origin.
        #expect(verdict(request("GET", "/v1/events")) == .serve)
        // From another origin it is a CORS request, which always carries one.
        #expect(status(request("GET", "/v1/events", origin: "https://evil.example", site: "cross-site")) == 403)
        #expect(status(request("GET", "/v1/events", origin: "https://evil.example", site: nil)) == 403)
    }

    @Test func aWebSocketUpgradeMustCarryThisOrigin() {
        #expect(status(request("GET", "/v1/events", upgrade: "websocket")) == 403)
        #expect(status(request("GET", "/v1/events", origin: "https://evil.example", upgrade: "websocket")) == 403)
        #expect(verdict(request("GET", "/v1/events", origin: "http://127.0.0.1:21000", upgrade: "WebSocket")) == .serve)
    }

    @Test(arguments: ["cross-site", "same-site", "Cross-Site"])
    func requestsStartedByAnotherSiteAreRefused(site: String) {
        // Another port of 127.0.0.1 (another user's natter) is same-site, not same-origin.
        #expect(status(request(site: site)) == 403)
    }

    @Test func theOneTimeLinkNeedsNoCookieButStillTheHostAndSite() {
        #expect(verdict(request("GET", "/open/abc", site: "none", cookies: [])) == .redeemLink(token: "abc"))
        #expect(verdict(request("GET", "/open/abc", site: nil, cookies: [])) == .redeemLink(token: "abc"))
        #expect(status(request("GET", "/open/abc", host: "evil.example:21000", cookies: [])) == 403)
        #expect(status(request("GET", "/open/abc", site: "cross-site", cookies: [])) == 403)
        #expect(status(request("POST", "/open/abc", origin: "http://127.0.0.1:21000", cookies: [])) == 401, "only a GET opens a link")
    }

    @Test func theCookieIsHttpOnlyStrictForEveryPathAndNamedAfterThePort() {
        #expect(gate.setCookie(session: "abc") == "natter_session_21000=abc; HttpOnly; SameSite=Strict; Path=/")
    }

    @Test func everyAnswerCarriesTheStrictHeadersAndNoCORS() {
        let headers = Dictionary(uniqueKeysWithValues: WebGate.responseHeaders.map { ($0.name, $0.value) })
        #expect(headers["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        #expect(headers["X-Content-Type-Options"] == "nosniff")
        #expect(headers["Referrer-Policy"] == "no-referrer")
        #expect(!headers.keys.contains { $0.lowercased().hasPrefix("access-control") })
    }
}
