import Foundation
import Glibc
import CNIOLinux  // which module owns SOCK_STREAM and sockaddr_in differs between builds (MemberImportVisibility)
import Logging
import NatterAPI
import NatterCore
import Testing

import NatterNode
@testable import NatterHTTP

/// `EchoHandler` under `/v1/`, plus `/v1/forever`: an event stream that only
/// its client's leaving ends (then `closed` is set).
struct WebTestAPI: LocalAPIHandler {
    let closed: ClosedFlag

    func respond(to request: APIRequest) async -> APIResponse {
        guard request.path != "/v1/forever" else {
            let (stream, _) = AsyncStream<APIEvent>.makeStream()
            return .eventStream(stream, onClose: { closed.set() })
        }
        let inner = APIRequest(method: request.method, path: String(request.path.dropFirst(3)), query: request.query, body: request.body)
        return await EchoHandler(closed: ClosedFlag()).respond(to: inner)
    }
}

/// The web listener on real loopback sockets, with a temporary web root and
/// an API that echoes (`WebTestAPI`): each rule of `WebGate` as a browser
/// (or an attacker) meets it. The whole product, `natter up` and `natter
/// open`, is tested in NatterEndToEndTests (WebAccessTests).
@Suite("Web listener on loopback", .serialized)
struct WebListenerTests {
    /// A listener serving a tiny index.html; `body` gets its port and access.
    func serving(preferredPort: Int = 0, closed: ClosedFlag = ClosedFlag(), _ body: (Int, WebAccess) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "natter-web-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/js", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "<!doctype html><title>natter</title>".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
        try "export const x = 1;".write(toFile: root + "/js/app.js", atomically: true, encoding: .utf8)
        let access = WebAccess()
        let listener = WebListener(
            preferredPort: preferredPort, access: access, api: WebTestAPI(closed: closed), root: WebRoot(path: root),
            logger: Logger(label: "test"))
        let serving = Task { try await listener.run() }
        defer { serving.cancel() }
        let deadline = ContinuousClock.now + .seconds(10)
        while access.port == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let port = try #require(access.port, "the listener binds within 10 s")
        try await body(port, access)
    }

    /// Signs in as a browser would: a link from the socket's endpoint, opened once.
    func signIn(_ http: LoopbackHTTP, _ access: WebAccess) async throws -> String {
        let link = try await linkURL(access)
        let path = String(link.dropFirst("http://127.0.0.1:\(http.port)".count))
        let opened = try await http.send("GET", path, headers: ["Sec-Fetch-Site": "none"])
        #expect(opened.status == 303)
        #expect(opened.headers["location"] == "/")
        let cookie = try #require(opened.headers["set-cookie"])
        #expect(cookie.hasSuffix("; HttpOnly; SameSite=Strict; Path=/"))
        return String(cookie.prefix { $0 != ";" })
    }

    func linkURL(_ access: WebAccess) async throws -> String {
        let endpoint = WebLinkEndpoint(wrapping: WebTestAPI(closed: ClosedFlag()), access: access)
        guard case .json(200, let body) = await endpoint.respond(to: APIRequest(method: "POST", path: "/v1/web/link")) else {
            throw LoopbackHTTP.Failure("no link")
        }
        return try APIJSON.decode(WebLinkView.self, from: body).url
    }

    @Test func withoutACookieEverythingIs401WithTheStrictHeaders() async throws {
        try await serving { port, _ in
            let http = LoopbackHTTP(port: port)
            for path in ["/", "/js/app.js", "/v1/echo", "/v1/events"] {
                let answer = try await http.send("GET", path)
                #expect(answer.status == 401, "\(path)")
                #expect(answer.headers["content-type"] == "application/json; charset=utf-8")
                #expect(answer.body.contains("natter open"), "the sentence says what to do")
                #expect(
                    answer.headers["content-security-policy"]
                        == "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
                #expect(answer.headers["x-content-type-options"] == "nosniff")
                #expect(answer.headers["referrer-policy"] == "no-referrer")
                #expect(!answer.headers.keys.contains { $0.hasPrefix("access-control") })
            }
        }
    }

    @Test func theOneTimeLinkWorksOnceThenTheCookieServesPageAndAPI() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let link = try await linkURL(access)
            #expect(link.hasPrefix("http://127.0.0.1:\(port)/open/"))
            let path = String(link.dropFirst("http://127.0.0.1:\(port)".count))
            let first = try await http.send("GET", path)
            #expect(first.status == 303)
            let cookie = try #require(first.headers["set-cookie"]).prefix { $0 != ";" }
            #expect(cookie.hasPrefix("natter_session_\(port)="))
            let second = try await http.send("GET", path)
            #expect(second.status == 401, "a link works once")
            #expect(second.headers["set-cookie"] == nil)

            let page = try await http.send("GET", "/", headers: ["Cookie": String(cookie)])
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["cache-control"] == "no-cache")
            #expect(page.body == "<!doctype html><title>natter</title>")
            let script = try await http.send("GET", "/js/app.js", headers: ["Cookie": String(cookie)])
            #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
            #expect(script.headers["content-security-policy"] != nil)
            #expect(try await http.send("GET", "/js/../index.html", headers: ["Cookie": String(cookie)]).status == 404)
            #expect(try await http.send("GET", "/%2e%2e/etc/passwd", headers: ["Cookie": String(cookie)]).status == 404)

            let echoed = try await http.send(
                "POST", "/v1/echo?peer=Bob", headers: ["Cookie": String(cookie), "Origin": "http://127.0.0.1:\(port)"], body: "hi")
            #expect(echoed.status == 200)
            #expect(echoed.body.contains(#""body":"hi""#) && echoed.body.contains(#""peer":"Bob""#))
            let missing = try await http.send("GET", "/v1/nope", headers: ["Cookie": String(cookie)])
            #expect(missing.status == 404)
            #expect(missing.body == #"{"error":"no such endpoint"}"#, "the API's own answer, forwarded")
        }
    }

    @Test func aForgedHostIsRefusedEvenWithTheCookie() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            for host in ["evil.example:\(port)", "evil.example", "127.0.0.1:1", ""] {
                let answer = try await http.send("GET", "/v1/echo", headers: ["Cookie": cookie, "Host": host])
                #expect(answer.status == 403, "Host \(host)")
                #expect(answer.headers["content-security-policy"] != nil)
            }
            #expect(try await http.send("GET", "/", headers: ["Cookie": cookie, "Host": "localhost:\(port)"]).status == 200)
        }
    }

    @Test func eventStreamsFromThisPageFlowAndFromAnotherOriginAreRefused() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            let sameOrigin = try await http.send("GET", "/v1/events", headers: ["Cookie": cookie], until: "P3")
            #expect(sameOrigin.status == 200)
            #expect(sameOrigin.headers["content-type"] == "text/event-stream; charset=utf-8")
            #expect(sameOrigin.body.contains("event: state"))
            for origin in ["https://evil.example", "http://127.0.0.1:1"] {
                let foreign = try await http.send("GET", "/v1/events", headers: ["Cookie": cookie, "Origin": origin])
                #expect(foreign.status == 403, "SSE from \(origin)")
                #expect(!foreign.body.contains("event:"))
            }
            let socket = try await http.send(
                "GET", "/v1/events",
                headers: ["Cookie": cookie, "Origin": "https://evil.example", "Upgrade": "websocket", "Connection": "Upgrade"])
            #expect(socket.status == 403, "a WebSocket from another origin")
            let bare = try await http.send("GET", "/v1/events", headers: ["Cookie": cookie, "Upgrade": "websocket"])
            #expect(bare.status == 403, "a WebSocket without Origin")
        }
    }

    @Test func anEventStreamEndsWhenItsClientLeaves() async throws {
        let closed = ClosedFlag()
        try await serving(closed: closed) { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            let answer = try await http.send("GET", "/v1/forever", headers: ["Cookie": cookie], until: ": subscribed")
            #expect(answer.status == 200)
            // `send` closed the connection once it had read that far; no event was ever written.
            let deadline = ContinuousClock.now + .seconds(5)
            while !closed.isSet && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(closed.isSet, "the daemon learns at once that the page went away (its window closes)")
        }
    }

    @Test func stateChangingRequestsNeedThisOrigin() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            #expect(try await http.send("POST", "/v1/echo", headers: ["Cookie": cookie], body: "x").status == 403)
            #expect(try await http.send("POST", "/v1/echo", headers: ["Cookie": cookie, "Origin": "https://evil.example"], body: "x").status == 403)
            #expect(
                try await http.send("POST", "/v1/echo", headers: ["Cookie": cookie, "Sec-Fetch-Site": "cross-site", "Origin": "http://127.0.0.1:\(port)"], body: "x")
                    .status == 403)
        }
    }

    @Test func theLinkEndpointIsNotOnTheWebListener() async throws {
        try await serving { port, access in
            let http = LoopbackHTTP(port: port)
            let cookie = try await signIn(http, access)
            let answer = try await http.send("POST", "/v1/web/link", headers: ["Cookie": cookie, "Origin": "http://127.0.0.1:\(port)"])
            #expect(answer.status == 404, "a signed-in page cannot mint links")
        }
    }

    @Test func aTakenPortIsReplacedByAFreeOne() async throws {
        // Hold a port the way another user's natter would.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        listen(holder, 1)
        let taken = Int(UInt16(bigEndian: address.sin_port))
        try await serving(preferredPort: taken) { (port: Int, _: WebAccess) async throws in
            #expect(port != taken)
            #expect(try await LoopbackHTTP(port: port).send("GET", "/").status == 401, "served on the free port")
        }
    }
}
