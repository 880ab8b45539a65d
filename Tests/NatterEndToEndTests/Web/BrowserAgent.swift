import Foundation
import LabSupport

/// A headless Chromium on a lab host, inside its network namespace, so the
/// page talks to that host's own loopback listener. `Tests/web/browser-agent.py`
/// drives it with Selenium (Debian's python3-selenium and chromium-driver);
/// this side sends it one JSON request per connection on a Unix socket, a
/// file path that any namespace reaches. Waiting for a page to show something
/// happens in the agent, which answers with the time it first saw it.
struct BrowserAgent: Sendable {
    let host: LabHost
    let socketPath: String
    let process: LabProcess

    static let script = LabPaths.packageRoot + "/Tests/web/browser-agent.py"

    /// Starts Chromium on `host` (its own profile under `directory`) and waits until the agent listens.
    static func start(on host: LabHost, of messenger: MessengerLab, directory: String) async throws -> BrowserAgent {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let socketPath = directory + "/agent.sock"
        let process = try await messenger.lab.spawn(
            on: host, ["/usr/bin/python3", script, socketPath, directory + "/profile"], environment: ["HOME": directory])
        try await process.waitForLine(containing: "agent ready", timeout: .seconds(60))
        return BrowserAgent(host: host, socketPath: socketPath, process: process)
    }

    /// One request; throws with the agent's error (and its log) when the operation failed.
    @discardableResult
    func call(_ operation: String, _ arguments: [String: Any] = [:], timeout: Duration = .seconds(60)) throws -> [String: Any] {
        var request = arguments
        request["op"] = operation
        let answer = try Self.exchange(socketPath, JSONSerialization.data(withJSONObject: request) + Data("\n".utf8), timeout: timeout)
        guard let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] else {
            throw LabError("the browser agent on \(host.name) answered \(String(decoding: answer, as: UTF8.self))")
        }
        if let error = object["error"] as? String {
            throw LabError("browser on \(host.name): \(operation) failed: \(error)\n\(object["trace"] ?? "")\nagent log: \(process.output().suffix(2000))")
        }
        return object
    }

    /// Navigates to `url`.
    func open(_ url: String) throws { try call("get", ["url": url]) }

    /// Types into the element `selector` as a person would (key events, input events); returns when the keys were sent.
    @discardableResult
    func type(_ text: String, into selector: String) throws -> Double {
        try call("type", ["selector": selector, "text": text])["at"] as? Double ?? 0
    }

    @discardableResult
    func press(_ key: String, in selector: String) throws -> Double {
        try call("press", ["selector": selector, "key": key])["at"] as? Double ?? 0
    }

    func click(_ selector: String) throws { try call("click", ["selector": selector]) }

    /// The text of every element matching `selector`.
    func texts(_ selector: String) throws -> [String] {
        try call("texts", ["selector": selector])["texts"] as? [String] ?? []
    }

    /// Runs JavaScript in the page and returns its value.
    func script(_ source: String) throws -> Any? {
        try call("script", ["source": source])["value"]
    }

    /// Waits until an element matching `selector` contains `text` (or, `absent`, none does);
    /// returns when the agent first saw it (Unix seconds); throws after `timeout` with what was there.
    @discardableResult
    func wait(for text: String, in selector: String, absent: Bool = false, timeout: Double = 10) throws -> Double {
        let answer = try call("wait", ["selector": selector, "contains": text, "timeout": timeout, "absent": absent], timeout: .seconds(Int(timeout) + 30))
        if answer["timeout"] as? Bool == true {
            throw LabError("\(host.name)'s page: \(absent ? "still" : "never") showed \"\(text)\" in \(selector) within \(timeout) s; it shows \(answer["texts"] ?? [])")
        }
        return answer["at"] as? Double ?? 0
    }

    /// A DevTools protocol command.
    @discardableResult
    func devTools(_ command: String, _ parameters: [String: Any] = [:]) throws -> Any? {
        try call("cdp", ["command": command, "params": parameters])["value"]
    }

    /// `minimized` (the page is hidden and loses focus) or `normal`, through DevTools' window bounds.
    @discardableResult
    func setWindowState(_ state: String) throws -> Double {
        try call("window_state", ["state": state])["at"] as? Double ?? 0
    }

    /// Closes the page's tab; a blank tab remains.
    @discardableResult
    func closeTab() throws -> Double { try call("close_tab")["at"] as? Double ?? 0 }

    func screenshot(_ path: String) throws { try call("screenshot", ["path": path]) }

    /// The page's console so far (CSP violations are reported there).
    func console() throws -> [String] { try call("console")["entries"] as? [String] ?? [] }

    func quit() {
        _ = try? call("quit", timeout: .seconds(20))
    }

    /// Connects to the agent's socket, writes `request`, reads the answer up to its end of line.
    private static func exchange(_ path: String, _ request: Data, timeout: Duration) throws -> Data {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LabError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw LabError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw LabError("cannot reach the browser agent at \(path): \(String(cString: strerror(errno)))") }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        try request.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                guard written > 0 else { throw LabError("writing to the browser agent failed: \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while answer.last != UInt8(ascii: "\n") {
            let count = read(descriptor, &buffer, buffer.count)
            if count == 0 { break }
            guard count > 0 else { throw LabError("no answer from the browser agent within \(timeout) (\(String(cString: strerror(errno))))") }
            answer.append(contentsOf: buffer[0..<count])
        }
        return answer
    }
}
