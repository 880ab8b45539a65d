import Foundation
import NatterForwarder
import NatterWire
import TOMLKit

/// `/etc/natter-forwarder/forwarder.toml`: every key optional, unknown keys
/// and wrong types are errors that name the key.
struct ForwarderConfig: Sendable, Equatable {
    static let defaultPath = "/etc/natter-forwarder/forwarder.toml"
    static let knownKeys = [
        "code_file", "port", "listen", "metrics_port", "mdns", "max_peers", "max_relays", "relay_bytes_per_second",
        "handshakes_per_source",
    ]

    /// Where the forwarder code is read from.
    var codeFile: String
    /// TCP and UDP port.
    var port: UInt16 = 7310
    var listen: [String] = ["0.0.0.0"]
    /// Prometheus text on 127.0.0.1; 0 turns metrics off.
    var metricsPort: UInt16 = 9310
    var mdns = true
    var maximumPeers = 10_000
    var maximumRelays = 1_000
    var relayBytesPerSecond = 4_194_304
    /// New connections per source address per 10 s.
    var handshakesPerSource = 20

    /// `$CREDENTIALS_DIRECTORY/forwarder-code` under systemd's LoadCredential, else /etc/natter-forwarder/forwarder-code.
    static func defaultCodeFile(environment: [String: String]) -> String {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            return (directory as NSString).appendingPathComponent("forwarder-code")
        }
        return "/etc/natter-forwarder/forwarder-code"
    }

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        codeFile = Self.defaultCodeFile(environment: environment)
    }

    init(toml text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ForwarderConfigError) {
        self.init(environment: environment)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalid("line \(error.source.begin.line): \(error.description)")
        } catch {
            throw .invalid(String(describing: error))
        }
        for key in table.keys.sorted() where !Self.knownKeys.contains(key) {
            throw .invalid("`\(key)` is not a setting natter-forwarder knows; known: " + Self.knownKeys.joined(separator: ", "))
        }
        if let value = table["code_file"] {
            guard let path = value.string, !path.isEmpty else { throw .invalid("`code_file` must be a non-empty path string") }
            codeFile = path
        }
        if let value = try Self.integer(table, "port", 1...65535) { port = UInt16(value) }
        if let value = table["listen"] {
            guard let list = value.array, !list.isEmpty else { throw .invalid("`listen` must be a non-empty list of IP addresses") }
            listen = try list.map { item throws(ForwarderConfigError) in
                guard let address = item.string, Self.isIPAddress(address) else {
                    throw .invalid("`listen` must be a list of IP addresses, such as [\"0.0.0.0\", \"::\"]; \(item.debugDescription) is not one")
                }
                return address
            }
        }
        if let value = try Self.integer(table, "metrics_port", 0...65535) { metricsPort = UInt16(value) }
        if let value = table["mdns"] {
            guard let on = value.bool else { throw .invalid("`mdns` must be true or false") }
            mdns = on
        }
        if let value = try Self.integer(table, "max_peers", 1...1_000_000) { maximumPeers = value }
        if let value = try Self.integer(table, "max_relays", 1...1_000_000) { maximumRelays = value }
        if let value = try Self.integer(table, "relay_bytes_per_second", 1024...(1 << 40)) { relayBytesPerSecond = value }
        if let value = try Self.integer(table, "handshakes_per_source", 1...1_000_000) { handshakesPerSource = value }
    }

    private static func integer(_ table: TOMLTable, _ key: String, _ range: ClosedRange<Int>) throws(ForwarderConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int, range.contains(number) else {
            throw .invalid("`\(key)` must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Reads the file. A missing file at the default path is fine (defaults
    /// apply); a missing file that was named explicitly is an error.
    static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ForwarderConfigError) -> Self {
        let file = path ?? defaultPath
        guard FileManager.default.fileExists(atPath: file) else {
            if path == nil { return Self(environment: environment) }
            throw .missing(path: file)
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw .unreadable(path: file) }
        do {
            return try Self(toml: text, environment: environment)
        } catch .invalid(let reason) {
            throw .invalid("\(file): \(reason)")
        } catch {
            throw error
        }
    }

    var settings: ForwarderSettings {
        var settings = ForwarderSettings()
        settings.maximumPeers = maximumPeers
        settings.maximumRelays = maximumRelays
        settings.relayBytesPerSecond = relayBytesPerSecond
        settings.handshakesPerSource = handshakesPerSource
        settings.relayUDPPort = port
        return settings
    }

    /// The forwarder code in `codeFile` (the file holds just the code; surrounding whitespace is ignored).
    func loadKey() throws(ForwarderConfigError) -> ForwarderKey {
        guard FileManager.default.fileExists(atPath: codeFile) else { throw .missingCode(path: codeFile) }
        guard let text = try? String(contentsOfFile: codeFile, encoding: .utf8) else { throw .unreadable(path: codeFile) }
        do {
            return try ForwarderCode.decode(text.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw .badCode(path: codeFile, error)
        }
    }
}

enum ForwarderConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case missing(path: String)
    case unreadable(path: String)
    case missingCode(path: String)
    case badCode(path: String, ForwarderCodeError)

    var description: String {
        switch self {
        case .invalid(let reason): "the configuration is invalid: \(reason)"
        case .missing(let path): "no configuration file at \(path)"
        case .unreadable(let path): "cannot read \(path)"
        case .missingCode(let path):
            "no forwarder code at \(path); make one on a member's device with `natter team forwarder-code` and put it there"
        case .badCode(let path, let error): "\(path): \(error)"
        }
    }
}
