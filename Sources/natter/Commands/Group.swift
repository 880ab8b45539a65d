import ArgumentParser
import NatterAPI
import NatterTerminal

/// `natter group …`: groups are written `#Name` (quote it in the shell).
struct Group: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, change, leave and list group conversations.",
        discussion: "Send to a group with natter send '#Name' TEXT; read it with natter history '#Name' or natter chat '#Name'.",
        subcommands: [Create.self, Add.self, Remove.self, Leave.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a group with these colleagues.")
        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The group's name, one word, e.g. '#Lunch'.") var name: String
        @Argument(help: "Its members: display names or fingerprint prefixes.") var members: [String]

        func run() throws {
            print(Group.describe(try instance.client.createGroup(name, members: members)))
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add colleagues to a group (any member may).")
        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The group, e.g. '#Lunch'.") var name: String
        @Argument(help: "The colleagues to add.") var members: [String]

        func run() throws {
            print(Group.describe(try instance.client.addMembers(members, to: name)))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove members from a group (only its creator may).")
        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The group, e.g. '#Lunch'.") var name: String
        @Argument(help: "The members to remove.") var members: [String]

        func run() throws {
            print(Group.describe(try instance.client.removeMembers(members, from: name)))
        }
    }

    struct Leave: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Leave a group; what you already sent is still delivered, and its history stays readable.")
        @OptionGroup var instance: InstanceOptions
        @Argument(help: "The group, e.g. '#Lunch'.") var name: String

        func run() throws {
            let group = try instance.client.leaveGroup(name)
            print("You left #\(TerminalText.neutralised(group.name)).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the groups you are in, or were.")
        @OptionGroup var instance: InstanceOptions
        @Flag(help: "One JSON object per line.") var json = false

        func run() throws {
            for group in try instance.client.groups() {
                if json {
                    try printJSON(group)
                } else {
                    print(Group.describe(group))
                }
            }
        }
    }

    /// "#Lunch: Alice (creator), Bob, Carol (offline)".
    static func describe(_ group: GroupView) -> String {
        let members = group.members.map { member in
            TerminalText.neutralised(member.name) + (member.fingerprint == group.creator ? " (creator)" : "") + (member.online ? "" : " (offline)")
        }
        return "#\(TerminalText.neutralised(group.name)): \(members.joined(separator: ", "))\(group.joined ? "" : " — you are not a member")"
    }
}
