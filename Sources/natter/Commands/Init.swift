import ArgumentParser
import Foundation
import NatterNode
import NatterWire
import NatterCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set natter up on this device: a device identity and the configuration file.",
        discussion: "Then join a team with: natter team create (the first member) or natter team join CODE.")

    @OptionGroup var instance: InstanceOptions
    @Option(help: "The name colleagues see, e.g. \"Alice Example\".") var name: String
    @Flag(help: "Replace an existing configuration file (the identity is kept).") var force = false
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError("the name must not be empty") }
        guard PinStore.isPinnable(trimmed) else {
            throw ValidationError("the name must not contain control characters or line breaks; colleagues would refuse it")
        }
        guard trimmed.utf8.count <= WireConstants.maximumNameBytes else {
            throw ValidationError("the name is longer than \(WireConstants.maximumNameBytes) bytes of UTF-8")
        }
    }

    func run() throws {
        let paths = instance.paths
        let keys = KeyFiles(directory: paths.dataDirectory)
        let identity = try keys.loadOrCreateIdentity()
        let configExists = FileManager.default.fileExists(atPath: paths.configFile)
        if configExists && !force {
            throw CLIError("\(paths.configFile) already exists; edit it, or run natter init --force to replace it")
        }
        let config = NatterConfig(displayName: name.trimmingCharacters(in: .whitespaces))
        try FileManager.default.createDirectory(atPath: (paths.configFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try config.tomlText.write(toFile: paths.configFile, atomically: true, encoding: .utf8)
        if json {
            try printJSON(["name": config.displayName, "fingerprint": identity.fingerprint.compact, "config": paths.configFile])
        } else {
            print("natter is set up for \(config.displayName).")
            print("Your fingerprint: \(identity.fingerprint)")
            print("Configuration: \(paths.configFile)")
            print("Next: natter team create (first in your team) or natter team join CODE, then natter up.")
        }
    }
}
