import Foundation
import NatterForwarder
import NatterWire
import Testing

@testable import natter_forwarder

@Suite("Forwarder configuration")
struct ForwarderConfigTests {
    @Test func defaultsApplyToAnEmptyFile() throws {
        let config = try ForwarderConfig(toml: "", environment: [:])
        #expect(config.codeFile == "/etc/natter-forwarder/forwarder-code")
        #expect(config.port == 7310 && config.listen == ["0.0.0.0"] && config.metricsPort == 9310 && config.mdns)
        #expect(config.maximumPeers == 10_000 && config.maximumRelays == 1_000)
        #expect(config.relayBytesPerSecond == 4_194_304 && config.handshakesPerSource == 20)
        let settings = config.settings
        #expect(settings.maximumPeers == 10_000 && settings.relayUDPPort == 7310 && settings.handshakesPerSource == 20)
    }

    @Test func systemdCredentialsAreTheDefaultCodeFile() throws {
        let config = try ForwarderConfig(toml: "", environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/natter-forwarder.service"])
        #expect(config.codeFile == "/run/credentials/natter-forwarder.service/forwarder-code")
        let explicit = try ForwarderConfig(toml: "code_file = \"/srv/code\"", environment: ["CREDENTIALS_DIRECTORY": "/run/x"])
        #expect(explicit.codeFile == "/srv/code")
    }

    @Test func everyKeyIsRead() throws {
        let config = try ForwarderConfig(
            toml: """
                code_file = "/etc/fwd/code"
                port = 7400
                listen = ["0.0.0.0", "::"]
                metrics_port = 0
                mdns = false
                max_peers = 50
                max_relays = 10
                relay_bytes_per_second = 1048576
                handshakes_per_source = 5
                """, environment: [:])
        #expect(config.codeFile == "/etc/fwd/code" && config.port == 7400 && config.listen == ["0.0.0.0", "::"])
        #expect(config.metricsPort == 0 && !config.mdns && config.maximumPeers == 50 && config.maximumRelays == 10)
        #expect(config.relayBytesPerSecond == 1_048_576 && config.handshakesPerSource == 5)
    }

    @Test func unknownKeysAndWrongTypesNameTheKey() {
        func message(_ text: String) -> String {
            do {
                _ = try ForwarderConfig(toml: text, environment: [:])
                return "no error"
            } catch {
                return error.description
            }
        }
        #expect(message("prot = 7310").contains("`prot` is not a setting"))
        #expect(message("port = \"7310\"").contains("`port` must be"))
        #expect(message("port = 0").contains("`port` must be"))
        #expect(message("mdns = 1").contains("`mdns` must be true or false"))
        #expect(message("listen = \"0.0.0.0\"").contains("`listen`"))
        #expect(message("listen = [\"example.com\"]").contains("`listen`"))
        #expect(message("max_peers = -1").contains("`max_peers`"))
        #expect(message("[metrics]\nport = 1").contains("`metrics` is not a setting"))
        #expect(message("port = ").contains("line 1"))
    }

    @Test func aMissingDefaultFileIsFineButANamedOneIsNot() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fwd-config-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: ForwarderConfigError.missing(path: directory + "/none.toml")) {
            try ForwarderConfig.load(path: directory + "/none.toml", environment: [:])
        }
        let file = directory + "/forwarder.toml"
        try "port = 7999\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try ForwarderConfig.load(path: file, environment: [:]).port == 7999)
        try "port = true\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ForwarderConfigError.self) { try ForwarderConfig.load(path: file, environment: [:]) }
    }

    @Test func theCodeFileMustHoldAForwarderCodeNotATeamCode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fwd-code-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let team = TeamKey()
        var config = ForwarderConfig(environment: [:])
        config.codeFile = directory + "/forwarder-code"
        #expect(throws: ForwarderConfigError.missingCode(path: config.codeFile)) { try config.loadKey() }
        try (TeamCode.encode(team) + "\n").write(toFile: config.codeFile, atomically: true, encoding: .utf8)
        #expect(throws: ForwarderConfigError.badCode(path: config.codeFile, .teamCodeGiven)) { try config.loadKey() }
        try ("  " + ForwarderCode.encode(team.subkeys.forwarder) + "\n").write(toFile: config.codeFile, atomically: true, encoding: .utf8)
        #expect(try config.loadKey().bytes == team.subkeys.forwarder.bytes)
    }
}
