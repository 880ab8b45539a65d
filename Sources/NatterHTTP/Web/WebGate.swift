/// What the web listener knows about a request when deciding whether to let
/// it in: a few headers, the method and the path. Nothing else matters.
struct WebRequestFacts: Sendable, Equatable {
    var method: String
    /// The path, without the query.
    var path: String
    /// `Host` (HTTP/1.1 requires it; nil when absent).
    var host: String?
    var origin: String?
    /// `Sec-Fetch-Site`, which browsers send with every request.
    var fetchSite: String?
    /// `Upgrade`, e.g. `websocket`.
    var upgrade: String?
    /// Every `Cookie` header, as sent.
    var cookies: [String] = []
}

/// What to do with a request to the web listener.
enum WebVerdict: Sendable, Equatable {
    /// Let it through to the page or the API.
    case serve
    /// It opens a one-time link: redeem `token`, then set the cookie and redirect to `/`.
    case redeemLink(token: String)
    /// Answer `status` with the API's JSON error, `sentence` in it.
    case refuse(status: Int, sentence: String)
}

/// Who may use the web UI (Docs/api.md, "The web listener"): only a browser
/// of this user, on this computer, on a page natter served.
///
/// - `Host` must name this listener on loopback (`127.0.0.1:PORT`,
///   `[::1]:PORT` or `localhost:PORT`): a page from elsewhere whose name was
///   re-pointed to 127.0.0.1 (DNS rebinding) sends its own name, and is refused.
/// - `Sec-Fetch-Site`, when sent, must be `same-origin` or `none` (typed,
///   opened by `xdg-open`, a bookmark): browsers send it with every request,
///   so a page of another site, or of another port of this computer (another
///   user's natter), cannot even make a request with no answer to read.
/// - `Origin`, when sent, must be exactly this listener as the request
///   addressed it. Browsers send it on every request that is not a same-origin
///   GET or HEAD: so every state-changing request (any other method) must
///   carry it, and so must a WebSocket upgrade. A same-origin event stream
///   (`EventSource`, a GET) carries none, and needs none: a cross-origin one
///   always carries one (it is a CORS request) and is refused here, and the
///   cookie is never sent cross-site (`SameSite=Strict`).
/// - Then the one-time link (`GET /open/TOKEN`) is redeemed, or the request
///   must carry a session cookie this daemon issued: else `401`.
///
/// Pure: the listener gathers the facts and carries out the verdict.
struct WebGate: Sendable {
    /// The port the listener is bound to.
    let port: Int

    /// The cookie's name carries the port: browsers send a cookie for
    /// `127.0.0.1` to every port of it, so two daemons (two users, or tests)
    /// must not overwrite each other's.
    var cookieName: String { "natter_session_\(port)" }

    /// The path of one-time links; the token follows it.
    static let linkPath = "/open/"

    func verdict(for request: WebRequestFacts, isSession: (String) -> Bool) -> WebVerdict {
        guard let host = request.host?.lowercased(), acceptedHosts.contains(host) else {
            let named = request.host.map { "\"\($0)\"" } ?? "none"
            return .refuse(
                status: 403,
                sentence: "the request's Host (\(named)) is not this computer's loopback address; "
                    + "natter's web UI answers only at http://127.0.0.1:\(port) (a guard against DNS rebinding)")
        }
        if let site = request.fetchSite?.lowercased(), site != "same-origin", site != "none" {
            return .refuse(status: 403, sentence: "natter's web UI answers only its own pages, not a request from another site (\(site))")
        }
        if let origin = request.origin {
            guard origin.lowercased() == "http://" + host else {
                return .refuse(status: 403, sentence: "natter's web UI answers only its own pages, not a request from \(origin)")
            }
        } else if request.upgrade?.lowercased() == "websocket" {
            return .refuse(status: 403, sentence: "a WebSocket upgrade must carry this page's Origin")
        } else if request.method != "GET" && request.method != "HEAD" {
            return .refuse(status: 403, sentence: "a \(request.method) request must carry this page's Origin")
        }
        if request.method == "GET", request.path.hasPrefix(Self.linkPath) {
            return .redeemLink(token: String(request.path.dropFirst(Self.linkPath.count)))
        }
        guard let session = sessionCookie(in: request.cookies), isSession(session) else {
            return .refuse(
                status: 401,
                sentence: "this browser is not signed in to natter (or the daemon restarted); open the web UI with: natter open")
        }
        return .serve
    }

    /// The `Set-Cookie` value that signs a browser in with session `id`: not
    /// readable by scripts, never sent by a request another site starts, for
    /// every path; no expiry, so it ends with the browser's session.
    func setCookie(session id: String) -> String {
        "\(cookieName)=\(id); HttpOnly; SameSite=Strict; Path=/"
    }

    /// The value of this listener's cookie in `Cookie` headers, if there.
    func sessionCookie(in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingPrefix(" ") == cookieName { return String(parts[1]) }
            }
        }
        return nil
    }

    private var acceptedHosts: Set<String> {
        ["127.0.0.1:\(port)", "[::1]:\(port)", "localhost:\(port)"]
    }

    /// Headers on every answer of the web listener, refusals included: the
    /// page may load only its own scripts, styles and images, and nothing may
    /// frame it; no type sniffing; no `Referer` (a link's token never leaks).
    /// No CORS header is ever sent, so no other origin can read an answer.
    static let responseHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
}
