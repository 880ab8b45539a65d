import Foundation
import LabSupport
import Testing

/// Group commit keeps the promise of a receipt: the receiver SIGKILLed in
/// the middle of a 10,000-message burst has, after its restart, every
/// message the sender had seen receipted, and gets the rest exactly once.
/// Real daemons, real SQLite (`synchronous = FULL`), on two lab hosts.
@Suite("A receiver killed during a burst", .enabled(if: LabGate.isAvailable), .serialized)
struct BurstCrashTests {
    static let count = 10_000

    /// Bob's stored incoming texts in Alice's sending order (her sequence
    /// numbers), read from his SQLite file as another process would.
    static func storedTexts(_ lab: MessengerLab, _ bob: LabHost) async throws -> [String] {
        try await query(lab, bob, "SELECT text FROM message WHERE direction = 'incoming' ORDER BY sequence")
    }

    /// One column of a query on `host`'s store, read as another process would (read-only).
    static func query(_ lab: MessengerLab, _ host: LabHost, _ sql: String) async throws -> [String] {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
            for (value,) in db.execute(sys.argv[2]):
                print(value)
            """
        let result = try await lab.lab.run(
            on: host, ["python3", "-c", script, lab.dataDirectory(host) + "/messages.sqlite", sql], timeout: .seconds(30))
        guard result.status == 0 else { throw MessengerLabError("reading \(host.name)'s store failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func lines(of path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func everyReceiptedMessageSurvivesAndTheRestArriveExactlyOnce() async throws {
        try await withMessengerLab(["Alice", "Bob"]) { lab in
            let (alice, bob) = (lab.hosts[0], lab.hosts[1])
            let receipts = lab.root + "/receipts"
            let socket = lab.lab.runtimeDirectory(of: alice) + "/natter/api.sock"
            let burst = try await lab.lab.spawn(on: alice, [
                LabPaths.product("natter-bench"), "burst", "--socket", socket, "--peer", "Bob",
                "--count", "\(Self.count)", "--prefix", "b", "--receipts", receipts, "--timeout", "240",
            ])
            defer { burst.signal(SIGKILL) }
            try await waitUntil("Alice to see 1,000 receipts", timeout: .seconds(60)) { Self.lines(of: receipts).count >= 1_000 }
            try await lab.stopDaemon(bob, signal: SIGKILL)
            // Alice can no longer reach Bob, so nothing is resent before his store is read.
            try await lab.lab.impair(bob, loss: 100)
            try await Task.sleep(for: .seconds(1))  // receipts Bob sent before he died have reached Alice
            let receipted = Set(Self.lines(of: receipts))
            #expect(receipted.count < Self.count, "Bob died during the burst, not after it")

            try await lab.startDaemon(bob)
            let afterRestart = Set(try await Self.storedTexts(lab, bob))
            let lost = receipted.subtracting(afterRestart)
            #expect(lost.isEmpty, "\(lost.count) receipted messages are not in Bob's store after his restart, e.g. \(lost.sorted().prefix(5))")

            try await lab.lab.clearImpairment(bob)
            var stored: [String] = []
            try await waitUntil("all \(Self.count) messages in Bob's store", timeout: .seconds(180), every: .seconds(1)) {
                stored = try await Self.storedTexts(lab, bob)
                return stored.count >= Self.count
            }
            try await Task.sleep(for: .seconds(2))  // a duplicate would be stored by now
            stored = try await Self.storedTexts(lab, bob)
            #expect(stored == (1...Self.count).map { "b\($0)" }, "every message exactly once, in Alice's order")
            // Every receipt recorded in Alice's store (her event stream may skip events in a burst).
            try await waitUntil("every receipt at Alice", timeout: .seconds(60), every: .milliseconds(500)) {
                try await Self.query(lab, alice, "SELECT count(*) FROM message WHERE direction = 'outgoing' AND delivery = 'delivered'")
                    == ["\(Self.count)"]
            }
        }
    }
}
