import ArgumentParser
import Foundation
import NatterNode
import NatterCore
import NatterWire

struct Team: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, join or show the team: everyone holding the same team key can reach each other.",
        subcommands: [Create.self, Join.self, Show.self, ForwarderCodeCommand.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new team key and print its code, to hand to colleagues (over a trusted channel).")

        @OptionGroup var instance: InstanceOptions
        @Flag(help: "Replace the team key this device already has.") var force = false
        @Flag(help: "Print the code and tag as JSON.") var json = false

        func run() throws {
            let keys = KeyFiles(directory: instance.paths.dataDirectory)
            if try keys.loadTeam() != nil && !force {
                throw CLIError("this device already belongs to a team (natter team show); use --force to replace its key")
            }
            let team = TeamKey()
            try keys.saveTeam(team)
            let code = TeamCode.encode(team)
            if json {
                try printJSON(["code": code, "teamTag": team.subkeys.teamTag.description])
            } else {
                print("New team created. Give colleagues this code (it is the key: share it privately):\n")
                print("  \(code)\n")
                print("They run: natter team join \(code)")
            }
        }
    }

    struct Join: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Join a team with its code, or with a shared passphrase.")

        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The team code from natter team create.") var code: String?
        @Flag(help: "Derive the key from a passphrase (read from standard input) instead of a code.") var passphrase = false
        @Flag(help: "Print the team tag as JSON.") var json = false

        func validate() throws {
            if (code == nil) == !passphrase {
                throw ValidationError("give either a team code or --passphrase")
            }
        }

        func run() throws {
            let team: TeamKey
            if passphrase {
                if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("Team passphrase: ".utf8)) }
                guard let line = readLine(strippingNewline: true) else { throw CLIError("no passphrase on standard input") }
                team = try TeamCode.derive(passphrase: line)
            } else {
                team = try TeamCode.decode(code ?? "")
            }
            try KeyFiles(directory: instance.paths.dataDirectory).saveTeam(team)
            if json {
                try printJSON(["teamTag": team.subkeys.teamTag.description])
            } else {
                print("Joined the team (tag \(team.subkeys.teamTag)). Restart natter up if it is running.")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the team tag: safe to show, it does not reveal the key.")

        @OptionGroup var instance: InstanceOptions
        @Flag(help: "Print the team tag as JSON.") var json = false

        func run() throws {
            guard let team = try KeyFiles(directory: instance.paths.dataDirectory).loadTeam() else {
                throw CLIError("this device has no team yet; run natter team create or natter team join CODE")
            }
            if json {
                try printJSON(["teamTag": team.subkeys.teamTag.description])
            } else {
                print(team.subkeys.teamTag.description)
            }
        }
    }

    struct ForwarderCodeCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forwarder-code",
            abstract: "Print the code for a natter-forwarder: it admits team members but cannot read them.",
            discussion: """
                The code carries only the forwarder's subkey of the team key: with it a forwarder can admit \
                members, list them to each other and relay their links, but it cannot join the team, open \
                names or read and forge messages. Put it in /etc/natter-forwarder/forwarder-code on the \
                forwarder's host (Docs/forwarder.md).
                """)

        @OptionGroup var instance: InstanceOptions
        @Flag(help: "Print the code and the forwarder's mDNS tag as JSON.") var json = false

        func run() throws {
            guard let team = try KeyFiles(directory: instance.paths.dataDirectory).loadTeam() else {
                throw CLIError("this device has no team yet; run natter team create or natter team join CODE")
            }
            let key = team.subkeys.forwarder
            let code = ForwarderCode.encode(key)
            if json {
                try printJSON(["code": code, "forwarderTag": key.forwarderTag.description])
            } else {
                print("Give this code to the forwarder's admin (it admits members; it cannot read them):\n")
                print("  \(code)\n")
                print("On the forwarder's host: install -m 600 /dev/stdin /etc/natter-forwarder/forwarder-code, paste it, Ctrl-D.")
            }
        }
    }
}
