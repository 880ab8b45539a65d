import Foundation
import LabSupport
import NatterWire
import Testing

/// The forwarder on the lab's router host, which has a leg in each subnet
/// and runs its own avahi-daemon on both (mDNS itself does not cross).
extension MessengerLab {
    var forwarderBinary: String { LabPaths.product("natter-forwarder") }

    /// The only secret the forwarder's host gets: the forwarder code, made on
    /// the first member's device, in a file of its own (0600).
    func installForwarderCode() async throws -> String {
        let printed = try await cli(hosts[0], ["team", "forwarder-code", "--json"]).stdout
        let code = try Self.field("code", in: printed)
        let directory = "\(root)/forwarder"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/forwarder-code"
        guard FileManager.default.createFile(atPath: path, contents: Data((code + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MessengerLabError("could not write \(path)")
        }
        return path
    }

    /// Starts `natter-forwarder` on the router host and waits until it listens.
    func startForwarder(port: Int = 7310, mdns: Bool = true, metricsPort: Int = 0) async throws -> LabProcess {
        let code = "\(root)/forwarder/forwarder-code"
        if !FileManager.default.fileExists(atPath: code) { _ = try await installForwarderCode() }
        guard let router = lab.router else { throw MessengerLabError("the forwarder runs on a router lab's router host") }
        let process = try await lab.spawn(
            on: router,
            [forwarderBinary, "--code-file", code, "--port", String(port), "--metrics-port", String(metricsPort), "--log-level", "debug"]
                + (mdns ? [] : ["--no-mdns"]))
        try await process.waitForLine(containing: "natter-forwarder listening", timeout: .seconds(20))
        return process
    }

    /// How `host` sees `colleague`'s link: "direct", "relayed", or nil when offline.
    func link(_ host: LabHost, to colleague: String) async throws -> String? {
        try await peers(of: host).first { $0.name == colleague && $0.online }?.link
    }

    /// One counter or gauge from the forwarder's `/metrics` (127.0.0.1 on its host).
    func forwarderMetric(_ name: String, port: Int = 9310) async throws -> Double? {
        guard let router = lab.router else { return nil }
        let get = "exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'GET /metrics HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3; timeout 3 cat <&3"
        let page = try await lab.run(on: router, ["bash", "-c", get], timeout: .seconds(10)).stdout
        let line = page.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The forwarder's addresses, one per subnet.
    var forwarderAddresses: (subnet1: String, subnet2: String) { ("10.231.1.1", "10.231.2.1") }

    /// `natter history PEER --json` on `host`: the texts, in the order shown.
    func history(_ host: LabHost, with colleague: String) async throws -> [String] {
        let output = try await cli(host, ["history", colleague, "--json"]).stdout
        return output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
        }
    }
}
