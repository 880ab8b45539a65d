import Foundation

/// Where one natter instance keeps its files, following the XDG base directories.
///
/// `--data-dir` makes an instance self-contained (config beside the data), which
/// is what tests and several daemons on one machine need.
public struct NatterPaths: Sendable, Equatable {
    /// Keys, pins and the message store; created 0700.
    public let dataDirectory: String
    /// The TOML configuration file.
    public let configFile: String
    /// Holds the API socket; created 0700, must belong to this user.
    public let runtimeDirectory: String

    public var apiSocket: String { runtimeDirectory + "/api.sock" }
    public var database: String { dataDirectory + "/messages.sqlite" }

    public init(dataDirectory: String, configFile: String, runtimeDirectory: String) {
        self.dataDirectory = dataDirectory
        self.configFile = configFile
        self.runtimeDirectory = runtimeDirectory
    }

    /// Resolves the paths from the command line's overrides and the environment:
    /// data in `--data-dir`, else `$XDG_DATA_HOME/natter`, else `~/.local/share/natter`;
    /// config in `--data-dir`, else `$XDG_CONFIG_HOME/natter`, else `~/.config/natter`;
    /// the socket in `--runtime-dir`, else `$XDG_RUNTIME_DIR/natter`, else `/tmp/natter-UID`.
    public static func resolve(
        dataDirectory: String? = nil, runtimeDirectory: String? = nil,
        environment: [String: String]? = nil
    ) -> NatterPaths {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        func xdg(_ name: String, fallback: String) -> String {
            if let value = environment[name], value.hasPrefix("/") { return value + "/natter" }
            return home + fallback
        }
        let data = dataDirectory.map(absolute) ?? xdg("XDG_DATA_HOME", fallback: "/.local/share/natter")
        let config = dataDirectory.map { absolute($0) + "/config.toml" } ?? xdg("XDG_CONFIG_HOME", fallback: "/.config/natter") + "/config.toml"
        let runtime: String
        if let runtimeDirectory {
            runtime = absolute(runtimeDirectory)
        } else if let value = environment["XDG_RUNTIME_DIR"], value.hasPrefix("/") {
            runtime = value + "/natter"
        } else {
            runtime = "/tmp/natter-\(getuid())"
        }
        return NatterPaths(dataDirectory: data, configFile: config, runtimeDirectory: runtime)
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
