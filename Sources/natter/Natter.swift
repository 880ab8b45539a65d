import ArgumentParser
import NatterAPI
import NatterNode
import NatterTerminal

/// The `natter` command line: each subcommand lives in its own file under Commands/.
@main
struct Natter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "natter",
        abstract: "A serverless messenger for office LANs.",
        version: natterVersion,
        subcommands: [
            Init.self, Team.self, Fingerprint.self, Up.self, Peers.self, Send.self, History.self, Watch.self,
            Status.self, Privacy.self, Trust.self, Forget.self, Chat.self, Doctor.self, Open.self, Group.self,
        ]
    )

    /// ArgumentParser's own `main`, except that our errors are neutralised
    /// before they are printed: the daemon's sentences can name colleagues
    /// ("\"Bob\" matches several colleagues: …"), and a name is a colleague's
    /// claim that must not reach the terminal raw (`TerminalText`).
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as LocalAPIClientError {
            exit(withError: CLIError(TerminalText.neutralised(error.description)))
        } catch let error as CLIError {
            exit(withError: CLIError(TerminalText.neutralised(error.description)))
        } catch {
            exit(withError: error)
        }
    }
}
