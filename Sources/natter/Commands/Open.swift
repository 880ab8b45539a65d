import ArgumentParser
import Foundation
import NatterAPI
import NatterNode
import Spawn

/// `natter open`: signs a browser in to the web UI with a one-time link from
/// the daemon (Docs/api.md, "The web listener").
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open natter's web UI in the browser (prints a one-time link, and opens it where there is a desktop).",
        discussion: """
            The link works once, within a minute, and only on this computer; opening it signs that browser in \
            until it closes. Only you can get one: the daemon hands links out on its private socket. \
            With a desktop ($DISPLAY or $WAYLAND_DISPLAY) the link is opened with xdg-open.
            """)

    @OptionGroup var instance: InstanceOptions
    @Flag(name: .customLong("print"), help: "Only print the link; do not open a browser.") var printOnly = false

    func run() throws {
        let link = try instance.client.webLink()
        writeLine(link.url)
        guard !printOnly else { return }
        let environment = ProcessInfo.processInfo.environment
        guard Self.hasDesktop(environment) else {
            FileHandle.standardError.write(Data("no desktop here ($DISPLAY and $WAYLAND_DISPLAY are unset): open the link in a browser on this computer within \(link.expiresInSeconds) s\n".utf8))
            return
        }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        guard let opener = SystemTool.find(path.split(separator: ":").map { "\($0)/xdg-open" }) else {
            throw CLIError("xdg-open was not found (install xdg-utils); open the link above in a browser on this computer")
        }
        do {
            // Not waited for: some browsers keep xdg-open running while they do.
            _ = try ChildProcess.start([opener, link.url])
        } catch {
            throw CLIError("could not start xdg-open (\(error)); open the link above in a browser on this computer")
        }
    }

    static func hasDesktop(_ environment: [String: String]) -> Bool {
        !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
    }
}
