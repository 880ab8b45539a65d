import Foundation

/// The folder the web UI's files are served from, and reading them safely.
public struct WebRoot: Sendable, Equatable {
    /// An absolute path, symbolic links resolved.
    public let path: String

    public init(path: String) {
        if let resolved = realpath(path, nil) {
            self.path = String(cString: resolved)
            free(resolved)
        } else {
            self.path = path
        }
    }

    /// Where the UI's files are, first match wins:
    /// 1. `NATTER_WEB_ROOT`, when set (developers, tests);
    /// 2. `<executable's folder>/../share/natter/web`: the installed package
    ///    (`/usr/bin/natter` → `/usr/share/natter/web`);
    /// 3. the source tree's `WebUI/`, found from this file's path at build
    ///    time, so a developer's `swift build` serves the page uninstalled.
    ///
    /// Nil when none holds an `index.html`. Pure but for `hasIndex`.
    static func locate(
        environment: [String: String], executablePath: String?, sourceFile: String = #filePath,
        hasIndex: (String) -> Bool = { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    ) -> WebRoot? {
        if let configured = environment["NATTER_WEB_ROOT"], !configured.isEmpty {
            return WebRoot(path: configured)
        }
        var candidates: [String] = []
        if let executablePath {
            let bin = (executablePath as NSString).deletingLastPathComponent
            candidates.append(((bin as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share/natter/web"))
        }
        // Sources/NatterNode/Web/WebRoot.swift → the repository's top.
        var top = sourceFile
        for _ in 0..<4 { top = (top as NSString).deletingLastPathComponent }
        candidates.append(top + "/WebUI")
        return candidates.first(where: hasIndex).map(WebRoot.init(path:))
    }

    /// The running executable (`/proc/self/exe`), for ``locate(environment:executablePath:sourceFile:hasIndex:)``.
    static var runningExecutable: String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    /// A file's bytes, or nil when it is missing, not a regular file, larger
    /// than ``HTTPConstants/maximumWebFileBytes``, or lies outside the root
    /// once symbolic links are resolved.
    func contents(of file: WebFiles.File) -> [UInt8]? {
        guard let resolved = realpath(path + "/" + file.relativePath, nil) else { return nil }
        defer { free(resolved) }
        let real = String(cString: resolved)
        guard real.hasPrefix(path.hasSuffix("/") ? path : path + "/") else { return nil }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: real),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = attributes[.size] as? Int, size <= HTTPConstants.maximumWebFileBytes,
            let data = FileManager.default.contents(atPath: real)
        else { return nil }
        return Array(data)
    }
}
