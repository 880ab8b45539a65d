import Foundation
import LabSupport
import Testing

/// The web UI's pure parts (`WindowDetectors` on a test clock, when a message
/// needs a notification, when trust is offered) tested in headless Chromium:
/// `Tests/web/unit-tests.js`, run by `Tests/web/run-unit-tests.py`. No root,
/// no lab, no server: the page loads WebUI's modules from the source tree.
@Suite("The web UI's unit tests in Chromium", .enabled(if: WebUIGate.hasChromium))
struct WebUIUnitTests {
    @Test func detectorsNotificationsAndTrustRules() async throws {
        let profile = NSTemporaryDirectory() + "natter-web-unit-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let result = try await runCommand(
            ["/usr/bin/python3", LabPaths.packageRoot + "/Tests/web/run-unit-tests.py", profile], timeout: .seconds(90))
        #expect(result.status == 0, "the web UI's unit tests failed:\n\(result.stdout)\(result.stderr.suffix(3000))")
        #expect(result.stdout.contains(" passed, 0 failed"), "\(result.stdout)")
    }
}
