import Foundation
import LabSupport
import Spawn
import Testing

/// The web listener of the real `natter up` (no lab, mDNS off), met with
/// curl the way a browser or an attacker on this computer would: each rule
/// of Docs/api.md "The web listener", `natter open --print`, and a second
/// local user who can use neither the Unix socket nor the web port.
@Suite("natter up: the web UI's listener and natter open", .serialized)
struct WebAccessTests {
    /// A daemon serving a temporary web root with a tiny page.
    struct WebNatter {
        let solo: SoloNatter
        let daemon: ChildProcess
        var runtime: String { solo.base + "/run" }

        /// - Parameter webPort: a `[web] port` line for config.toml (`natter init` leaves it commented out).
        init(webPort: String? = nil) throws {
            solo = try SoloNatter(prefix: "natter-web")
            let root = solo.base + "/web"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try "<!doctype html><title>natter test page</title>".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
            if let webPort {
                let config = solo.data + "/config.toml"
                let text = try String(contentsOfFile: config, encoding: .utf8)
                guard text.contains("# port = ") else { throw SetupFailed(command: ["init"], stderr: "no [web] port line in \(text)") }
                try text.replacingOccurrences(of: "# port = 21000", with: "port = \(webPort)").write(toFile: config, atomically: true, encoding: .utf8)
            }
            daemon = try ChildProcess.start(
                ["/usr/bin/env", "NATTER_WEB_ROOT=\(root)", solo.natter, "up", "--data-dir", solo.data, "--runtime-dir", solo.base + "/run"],
                standardError: .file(solo.base + "/daemon.log"))
            guard try solo.answers(runtime: runtime) else { throw SetupFailed(command: ["up"], stderr: log) }
        }

        var log: String { (try? String(contentsOfFile: solo.base + "/daemon.log", encoding: .utf8)) ?? "" }

        func stop() {
            daemon.stop()
            solo.remove()
        }

        /// `natter open --print`: its exit status, standard output and error.
        func open(as prefix: [String] = []) throws -> (status: Int32, out: String, err: String) {
            try Shell.run(prefix + [solo.natter, "open", "--print", "--data-dir", solo.data, "--runtime-dir", runtime], in: solo.base)
        }

        /// A link from `natter open --print`, as the URL it printed.
        func link() throws -> String {
            let opened = try open()
            #expect(opened.status == 0, "natter open --print: \(opened.err)")
            return opened.out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Runs a command to its end with its output in files under `directory`.
    enum Shell {
        static func run(_ arguments: [String], in directory: String) throws -> (status: Int32, out: String, err: String) {
            let tag = UUID().uuidString.prefix(6)
            let out = directory + "/out-\(tag)", err = directory + "/err-\(tag)"
            let child = try ChildProcess.start(arguments, standardOutput: .file(out), standardError: .file(err))
            let status = child.waitForExit()
            defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
            return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
    }

    /// What curl saw: the status and the headers (names lowercased) and body.
    struct Seen {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// `curl -i` with `arguments`, at most `seconds` (an event stream never ends).
    func curl(_ arguments: [String], as prefix: [String] = [], seconds: Int = 10, in directory: String) throws -> Seen? {
        let result = try Shell.run(prefix + ["/usr/bin/curl", "-s", "-i", "--max-time", "\(seconds)"] + arguments, in: directory)
        let text = result.out.replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = text.range(of: "\n\n") else { return nil }
        let lines = text[..<split.lowerBound].split(separator: "\n")
        guard let first = lines.first, let status = Int(first.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Seen(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    @Test func onlyASignedInPageOfThisOriginGetsIn() throws {
        let natter = try WebNatter()
        defer { natter.stop() }
        let link = try natter.link()
        let origin = try #require(link.range(of: "/open/").map { String(link[..<$0.lowerBound]) }, "a link: \(link)")
        #expect(origin.hasPrefix("http://127.0.0.1:"))
        let hostPort = String(origin.dropFirst("http://".count))
        let port = String(hostPort.split(separator: ":").last ?? "")
        let base = natter.solo.base

        // No cookie: 401, with the strict headers and no CORS.
        let anonymous = try #require(try curl([origin + "/v1/status"], in: base))
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["content-security-policy"] == "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        #expect(anonymous.headers["x-content-type-options"] == "nosniff")
        #expect(anonymous.headers["referrer-policy"] == "no-referrer")
        #expect(!anonymous.headers.keys.contains { $0.hasPrefix("access-control") })
        #expect(anonymous.body.contains("natter open"))

        // The link works once.
        let opened = try #require(try curl([link], in: base))
        #expect(opened.status == 303)
        #expect(opened.headers["location"] == "/")
        let setCookie = try #require(opened.headers["set-cookie"])
        #expect(setCookie.hasPrefix("natter_session_\(port)=") && setCookie.hasSuffix("; HttpOnly; SameSite=Strict; Path=/"))
        let cookie = String(setCookie.prefix { $0 != ";" })
        #expect(try curl([link], in: base)?.status == 401, "a second use opens nothing")

        // With the cookie: the page and the real daemon's API.
        let page = try #require(try curl(["-H", "Cookie: \(cookie)", origin + "/"], in: base))
        #expect(page.status == 200 && page.body == "<!doctype html><title>natter test page</title>")
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        let status = try #require(try curl(["-H", "Cookie: \(cookie)", origin + "/v1/status"], in: base))
        #expect(status.status == 200 && status.body.contains(#""name":"Solo""#))

        // A forged Host (DNS rebinding) is refused, cookie or not.
        for host in ["evil.example:\(port)", "evil.example"] {
            #expect(try curl(["-H", "Cookie: \(cookie)", "-H", "Host: \(host)", origin + "/v1/status"], in: base)?.status == 403)
        }
        // A state change needs this page's Origin.
        let privacy = ["-X", "POST", "-H", "Content-Type: application/json", "--data", #"{"shareState":false}"#, "-H", "Cookie: \(cookie)"]
        #expect(try curl(privacy + [origin + "/v1/privacy"], in: base)?.status == 403)
        #expect(try curl(privacy + ["-H", "Origin: https://evil.example", origin + "/v1/privacy"], in: base)?.status == 403)
        #expect(try curl(privacy + ["-H", "Origin: \(origin)", origin + "/v1/privacy"], in: base)?.status == 200)
        // Event streams: this page's (no Origin, as EventSource sends it) flows; another origin's, or a WebSocket, is refused.
        let stream = try #require(try curl(["-N", "-H", "Cookie: \(cookie)", origin + "/v1/events"], seconds: 2, in: base))
        #expect(stream.status == 200 && stream.body.hasPrefix(": subscribed"))
        let foreign = try #require(try curl(["-N", "-H", "Cookie: \(cookie)", "-H", "Origin: https://evil.example", origin + "/v1/events"], seconds: 2, in: base))
        #expect(foreign.status == 403 && !foreign.body.contains("subscribed"))
        let upgrade = ["-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
        #expect(try curl(upgrade + ["-H", "Cookie: \(cookie)", "-H", "Origin: https://evil.example", origin + "/v1/events"], seconds: 2, in: base)?.status == 403)
        // Another site's request, even with the cookie a browser would attach.
        #expect(try curl(["-H", "Cookie: \(cookie)", "-H", "Sec-Fetch-Site: same-site", origin + "/v1/status"], in: base)?.status == 403)
        // The link endpoint is the socket's alone.
        #expect(try curl(["-X", "POST", "-H", "Cookie: \(cookie)", "-H", "Origin: \(origin)", origin + "/v1/web/link"], in: base)?.status == 404)
        #expect(natter.daemon.exitStatusIfExited() == nil, "the daemon is still running: \(natter.log)")
    }

    @Test func anotherLocalUserCanUseNeitherTheSocketNorThePage() throws {
        guard getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" else {
            FileHandle.standardError.write(Data("""

                ************************************************************
                SKIPPED: the second-local-user test needs root (setpriv to uid 65534).
                Run it with: sudo make test
                ************************************************************

                """.utf8))
            return
        }
        let natter = try WebNatter()
        defer { natter.stop() }
        let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let base = natter.solo.base
        // The other user's files must be reachable for the test's own tools: only the runtime folder is private.
        chmod(base, 0o755)
        let socket = natter.runtime + "/api.sock"

        let link = try natter.link()
        let origin = try #require(link.range(of: "/open/").map { String(link[..<$0.lowerBound]) })
        // No link for them: the socket is out of reach, so natter open fails and curl cannot connect.
        let theirOpen = try natter.open(as: nobody)
        #expect(theirOpen.status != 0 && theirOpen.out.isEmpty, "natter open as another user: \(theirOpen)")
        #expect(theirOpen.err.contains("not running") || theirOpen.err.contains("Permission denied"), "\(theirOpen.err)")
        let viaSocket = try Shell.run(nobody + ["/usr/bin/curl", "-s", "-X", "POST", "--unix-socket", socket, "http://natter/v1/web/link"], in: base)
        #expect(viaSocket.status != 0 && !viaSocket.out.contains("open/"), "curl on the socket as another user: \(viaSocket)")
        let status = try Shell.run(nobody + ["/usr/bin/curl", "-s", "--unix-socket", socket, "http://natter/v1/status"], in: base)
        #expect(status.status != 0 && !status.out.contains("Solo"))
        // The web port answers them, but only 401: no cookie, and no way to get one.
        let page = try #require(try curl([origin + "/"], as: nobody, in: base))
        #expect(page.status == 401)
        let api = try #require(try curl([origin + "/v1/status"], as: nobody, in: base))
        #expect(api.status == 401 && !api.body.contains("Solo"))
        let guess = try #require(try curl([origin + "/open/" + String(repeating: "0", count: 64)], as: nobody, in: base))
        #expect(guess.status == 401 && guess.headers["set-cookie"] == nil)
        // The user's own link still works afterwards.
        #expect(try curl([link], in: base)?.status == 303)
    }

    @Test func openSaysClearlyWhenTheDaemonIsNotRunningOrTheWebUIIsOff() throws {
        let off = try WebNatter(webPort: "0")
        defer { off.solo.remove() }
        let turnedOff: (status: Int32, out: String, err: String)
        do {
            turnedOff = try off.open()
        } catch {
            off.daemon.stop()
            throw error
        }
        off.daemon.stop()
        #expect(turnedOff.status != 0)
        #expect(turnedOff.err.contains("the web UI is off") && turnedOff.err.contains("[web] port = 0"), "\(turnedOff.err)")
        let stopped = try off.open()
        #expect(stopped.status != 0)
        #expect(stopped.err.contains("not running") && stopped.err.contains("natter up"), "\(stopped.err)")
    }
}
