/// Which file of the web root a request path names, and its type.
///
/// Pure and strict: a path is a `/` followed by segments of plain names; one
/// that is empty, `.` or `..`, starts with a dot (hidden files), or holds a
/// `/`, `\` or NUL once percent-decoded names nothing, and neither does a file
/// whose type the UI does not use. (`WebRoot` also checks that the file it
/// opens really lies inside the root, symbolic links resolved.)
enum WebFiles {
    struct File: Equatable, Sendable {
        /// Relative to the web root, e.g. `js/app.js`.
        let relativePath: String
        let contentType: String
    }

    /// `/` is `index.html`; nil when `path` names no file the UI may serve.
    static func file(forPath path: String) -> File? {
        guard path.hasPrefix("/") else { return nil }
        if path == "/" { return File(relativePath: "index.html", contentType: contentTypes["html"]!) }
        var segments: [String] = []
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = percentDecoded(raw), !segment.isEmpty, !segment.hasPrefix("."),
                !segment.contains(where: { $0 == "/" || $0 == "\\" || $0 == "\0" })
            else { return nil }
            segments.append(segment)
        }
        guard let name = segments.last, let dot = name.lastIndex(of: "."),
            let type = contentTypes[name[name.index(after: dot)...].lowercased()]
        else { return nil }
        return File(relativePath: segments.joined(separator: "/"), contentType: type)
    }

    /// The UI's file types. Text is UTF-8; JavaScript is `text/javascript`
    /// (RFC 9239), which module scripts need under `nosniff`.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "json": "application/json",
        "png": "image/png",
        "svg": "image/svg+xml",
        "ico": "image/x-icon",
        "woff2": "font/woff2",
        "txt": "text/plain; charset=utf-8",
    ]

    /// `%XX` escapes decoded; nil for a broken escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
