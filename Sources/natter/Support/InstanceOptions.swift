import ArgumentParser
import NatterAPI
import NatterNode

/// Which natter instance a command talks to. The defaults follow XDG; tests and
/// several instances on one machine override them.
struct InstanceOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Keys, config and messages (default: $XDG_DATA_HOME/natter).", valueName: "path"))
    var dataDirectory: String?

    @Option(name: .customLong("runtime-dir"), help: ArgumentHelp("Where the daemon's API socket lives (default: $XDG_RUNTIME_DIR/natter).", valueName: "path"))
    var runtimeDirectory: String?

    var paths: NatterPaths { NatterPaths.resolve(dataDirectory: dataDirectory, runtimeDirectory: runtimeDirectory) }

    /// The running daemon's local API; its errors are one sentence each.
    var client: LocalAPIClient { LocalAPIClient(socketPath: paths.apiSocket) }
}
