import ArgumentParser
import NatterAPI
import NatterCore
import NatterTerminal

/// `natter group …`: groups are written `#Name` (quote it in the shell).
struct Group: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, change, leave and list group conversations.",
        discussion: """
            Send to a group with natter send '#Name' TEXT; read it with natter history '#Name' or natter chat '#Name'. \
            When two of your groups have the same name (each made by someone else), write the one you mean as '#' \
            and its id, or the id's first 8 digits or more: natter group list shows it beside the name.
            """,
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
            let groups = try instance.client.groups()
            let names = groups.map { $0.name.lowercased() }
            for group in groups {
                if json {
                    try printJSON(group)
                } else {
                    print(Group.describe(group, withID: names.filter { $0 == group.name.lowercased() }.count > 1))
                }
            }
        }
    }

    /// "#Lunch: Alice (creator), Bob, Carol (offline)"; with its id,
    /// "#Lunch (#1bcd32cd): …", when another group has the same name, so
    /// the user can write the one they mean.
    static func describe(_ group: GroupView, withID: Bool = false) -> String {
        let members = group.members.map { member in
            TerminalText.neutralised(member.name) + (member.fingerprint == group.creator ? " (creator)" : "") + (member.online ? "" : " (offline)")
        }
        let id = withID ? " (#\(group.id.prefix(GroupAddress.shortestPrefix)))" : ""
        return "#\(TerminalText.neutralised(group.name))\(id): \(members.joined(separator: ", "))\(group.joined ? "" : " — you are not a member")"
    }
}
