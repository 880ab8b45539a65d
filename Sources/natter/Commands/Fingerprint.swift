import ArgumentParser
import NatterNode
import NatterWire
import NatterCore

struct Fingerprint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print this device's fingerprint, to compare with colleagues (read it aloud).")

    @OptionGroup var instance: InstanceOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let identity = try KeyFiles(directory: instance.paths.dataDirectory).loadOrCreateIdentity()
        if json {
            try printJSON(["fingerprint": identity.fingerprint.compact, "groups": identity.fingerprint.description])
        } else {
            print(identity.fingerprint.description)
        }
    }
}
