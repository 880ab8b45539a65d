import Foundation
import PackagePlugin

/// natter's version lives in one place, Packaging/debian/changelog (the
/// Debian convention): this plugin writes it into the module as
/// `natterVersion` at build time, so `natter --version`, the local API's
/// status and the .deb always agree.
@main
struct VersionFromChangelog: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let changelog = context.package.directoryURL.appending(path: "Packaging/debian/changelog")
        let output = context.pluginWorkDirectoryURL.appending(path: "Version.swift")
        // The first line is "natter (VERSION) DISTRIBUTION; urgency=…".
        let script = #"""
            version=$(sed -n '1s/^natter (\([^)]*\)).*/\1/p' "$0")
            [ -n "$version" ] || { echo "no version on the first line of $0" >&2; exit 1; }
            printf '/// natter'"'"'s version, from Packaging/debian/changelog (generated at build time).\npublic let natterVersion = "%s"\n' "$version" >"$1"
            """#
        return [
            .buildCommand(
                displayName: "natter version from Packaging/debian/changelog",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, changelog.path(percentEncoded: false), output.path(percentEncoded: false)],
                inputFiles: [changelog],
                outputFiles: [output])
        ]
    }
}
