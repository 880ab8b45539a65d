import ArgumentParser
import Foundation
import Spawn

/// Goal 6 of issue 15: how long a CLI command takes, process start
/// included, as a script calling it in a loop sees it. Runs the command
/// `runs` times one after another (after a few unmeasured runs that warm
/// the page cache) and prints min, median and max wall time.
struct CommandTime: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "command-time", abstract: "Wall time of a command, start to exit, over repeated runs.")
    @Option var label: String
    @Option var runs = 30
    @Option(help: "Unmeasured runs first.") var warmup = 3
    @Argument(parsing: .captureForPassthrough) var command: [String]

    func run() throws {
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        var samples = Samples()
        for index in 0..<(warmup + runs) {
            let start = ContinuousClock.now
            let status = try ChildProcess.start(arguments).waitForExit()
            let elapsed = ContinuousClock.now - start
            guard status == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed with status \(status)") }
            if index >= warmup { samples.add(elapsed) }
        }
        print(samples.summary("command-time").replacingOccurrences(of: "{", with: "{\"label\":\"\(label)\",", options: [], range: nil))
    }
}
