import ArgumentParser

/// The `natter` command line: each subcommand lives in its own file under Commands/.
@main
struct Natter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "natter",
        abstract: "A serverless messenger for office LANs.",
        subcommands: []
    )
}
