import ArgumentParser
import NatterNode

/// The `natter` command line: each subcommand lives in its own file under Commands/.
@main
struct Natter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "natter",
        abstract: "A serverless messenger for office LANs.",
        version: natterVersion,
        subcommands: [
            Init.self, Team.self, Fingerprint.self, Up.self, Peers.self, Send.self, History.self, Watch.self,
            Status.self, Privacy.self, Trust.self, Chat.self,
        ]
    )
}
