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
        static let configuration = CommandConfiguration(
            abstract: "Join a team with its code, or with a shared passphrase and the team's name.",
            discussion: """
                A team code (natter team create) is the safer way: it is 256 random bits. A passphrase team \
                is derived with scrypt (128 MiB, about half a second) from the passphrase and the team's name, \
                which the admin chooses and every member types the same (case and extra spaces do not matter). \
                Anyone on the LAN can test guesses of the passphrase offline against what natter publishes, so \
                natter estimates its strength, refuses a weak one and says why, and prints the estimate when it \
                accepts it.
                """)

        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The team code from natter team create.") var code: String?
        @Flag(help: "Derive the key from a passphrase (read from standard input) instead of a code.") var passphrase = false
        @Option(name: .customLong("team-name"), help: "With --passphrase: the team's name, as the admin chose it.") var teamName: String?
        @Flag(help: "Print the team tag (and the passphrase's strength) as JSON.") var json = false

        func validate() throws {
            if (code == nil) == !passphrase {
                throw ValidationError("give either a team code or --passphrase")
            }
            if passphrase && teamName == nil {
                throw ValidationError("\(TeamCodeError.teamNameMissing)")
            }
            if !passphrase && teamName != nil {
                throw ValidationError("--team-name goes with --passphrase; a team code needs no name")
            }
        }

        func run() throws {
            let team: TeamKey
            var strength: PassphraseStrength?
            if passphrase {
                if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("Team passphrase: ".utf8)) }
                guard let line = readLine(strippingNewline: true) else { throw CLIError("no passphrase on standard input") }
                let derived = try TeamCode.derive(passphrase: line, teamName: teamName ?? "")
                (team, strength) = (derived.key, derived.strength)
            } else {
                team = try TeamCode.decode(code ?? "")
            }
            try KeyFiles(directory: instance.paths.dataDirectory).saveTeam(team)
            if json {
                try printJSON(
                    Joined(teamTag: team.subkeys.teamTag.description, passphraseBits: strength?.bits, passphraseStrength: strength?.rating.rawValue))
            } else {
                print("Joined the team (tag \(team.subkeys.teamTag)). Restart natter up if it is running.")
                if let strength {
                    print(
                        "Passphrase strength: \(strength.rating.rawValue), about \(strength.bits) bits: someone trying a million "
                            + "guesses a second would need \(strength.crackTime) on average. Colleagues join with the same "
                            + "passphrase and --team-name \"\(TeamCode.normalisedTeamName(teamName ?? ""))\".")
                }
            }
        }
    }

    /// `team join --json`: the passphrase fields only for a passphrase team.
    struct Joined: Encodable {
        let teamTag: String
        let passphraseBits: Int?
        let passphraseStrength: String?
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
