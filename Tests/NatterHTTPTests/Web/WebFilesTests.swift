import Foundation
import Testing

import NatterNode
@testable import NatterHTTP

@Suite("WebFiles and WebRoot: which file a path names, safely")
struct WebFilesTests {
    @Test(arguments: [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/js/app.js", "js/app.js", "text/javascript; charset=utf-8"),
        ("/app.mjs", "app.mjs", "text/javascript; charset=utf-8"),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
        ("/img/icon.PNG", "img/icon.PNG", "image/png"),
        ("/logo.svg", "logo.svg", "image/svg+xml"),
        ("/i18n/zh.json", "i18n/zh.json", "application/json"),
        ("/a%20b.css", "a b.css", "text/css; charset=utf-8"),
    ])
    func pathsNameFilesWithTheirTypes(path: String, relative: String, type: String) {
        #expect(WebFiles.file(forPath: path) == WebFiles.File(relativePath: relative, contentType: type))
    }

    @Test(arguments: [
        "/../etc/passwd", "/js/../../x.js", "/%2e%2e/x.js", "/js/%2E%2E/x.js", "/.hidden.js", "/js/.git/x.js", "/a%2fb.js",
        "/a%5cb.js", "/a%00.js", "//x.js", "/js//x.js", "/js/", "relative.js", "/x", "/x.exe", "/x.sh", "/%zz.js", "/%ff.js",
    ])
    func traversalHiddenFilesAndUnknownTypesNameNothing(path: String) {
        #expect(WebFiles.file(forPath: path) == nil)
    }

    @Test func theRootServesOnlyRegularFilesInsideIt() throws {
        let base = NSTemporaryDirectory() + "natter-webroot-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/root/js", withIntermediateDirectories: true)
        try "<p>hi</p>".write(toFile: base + "/root/index.html", atomically: true, encoding: .utf8)
        try "secret".write(toFile: base + "/outside.js", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: base + "/root/js/escape.js", withDestinationPath: base + "/outside.js")
        try FileManager.default.createDirectory(atPath: base + "/root/dir.js", withIntermediateDirectories: true)
        let root = WebRoot(path: base + "/root")

        #expect(root.contents(of: WebFiles.file(forPath: "/")!) == Array("<p>hi</p>".utf8))
        #expect(root.contents(of: WebFiles.file(forPath: "/js/escape.js")!) == nil, "a link out of the root")
        #expect(root.contents(of: WebFiles.file(forPath: "/dir.js")!) == nil, "a folder")
        #expect(root.contents(of: WebFiles.file(forPath: "/missing.js")!) == nil)
    }

    @Test func theRootIsTheEnvironmentsThenTheInstalledThenTheSourceTrees() {
        let source = "/src/natter/Sources/NatterNode/Web/WebRoot.swift"
        let everywhere: (String) -> Bool = { _ in true }
        #expect(
            WebRoot.locate(environment: ["NATTER_WEB_ROOT": "/custom"], executablePath: "/usr/bin/natter", sourceFile: source, hasIndex: everywhere)?.path
                == "/custom")
        #expect(
            WebRoot.locate(environment: [:], executablePath: "/usr/bin/natter", sourceFile: source, hasIndex: everywhere)?.path
                == "/usr/share/natter/web")
        #expect(
            WebRoot.locate(environment: [:], executablePath: "/usr/bin/natter", sourceFile: source, hasIndex: { $0.hasPrefix("/src") })?.path
                == "/src/natter/WebUI")
        #expect(WebRoot.locate(environment: [:], executablePath: nil, sourceFile: source, hasIndex: { _ in false }) == nil)
    }

    @Test func eachUserHasTheirOwnDefaultPortAndZeroTurnsTheUIOff() {
        #expect(WebListener.preferredPort(configured: nil, uid: 1000) == 21000)
        #expect(WebListener.preferredPort(configured: nil, uid: 1001) == 21001)
        #expect(WebListener.preferredPort(configured: nil, uid: 0) == 20000)
        #expect(WebListener.preferredPort(configured: nil, uid: 65534) == 25534)
        #expect(WebListener.preferredPort(configured: 8080, uid: 1000) == 8080)
        #expect(WebListener.preferredPort(configured: 0, uid: 1000) == nil)
    }
}
