import Foundation
import Spawn
import Testing

/// The real `natter up` on a message store that is empty or damaged: it
/// refuses with one line that says what is wrong and the `mv` that sets the
/// store aside, exits 78 (the user unit does not restart it), and leaves the
/// file exactly as it was. No root, no lab: mDNS is off.
@Suite("natter up: an empty or damaged store is refused")
struct DamagedStoreTests {

    func refusal(_ solo: SoloNatter) throws -> (status: Int32, stderr: String) {
        try solo.run(["up", "--data-dir", solo.data, "--runtime-dir", solo.base + "/run"])
    }

    @Test func anEmptyStoreIsRefusedUntouched() throws {
        let solo = try SoloNatter(prefix: "natter-empty-store")
        defer { solo.remove() }
        try #require(FileManager.default.createFile(atPath: solo.store, contents: Data()))

        let result = try refusal(solo)
        #expect(result.status == 78)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: the message store \(solo.store) is empty (0 bytes)"), "\(result.stderr)")
        #expect(result.stderr.contains("mv \(solo.store) \(solo.store).damaged-"), "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: solo.store) == Data(), "still the same empty file, not a fresh store")

        // Following the advice: the next start builds a new store and keeps the old file aside.
        let words = try #require(result.stderr.components(separatedBy: " mv ").last?.split(separator: " "))
        let move = String(words[1])
        #expect(rename(solo.store, move) == 0)
        let daemon = try solo.startDaemon(runtime: solo.base + "/run")
        defer { daemon.stop(); _ = daemon.waitForExit() }
        #expect(try solo.answers(runtime: solo.base + "/run"), "starts on a new store")
        #expect(FileManager.default.fileExists(atPath: move), "the old file is still there")
    }

    @Test func aStoreWithGarbageOverItsPagesIsRefusedUntouched() throws {
        let solo = try SoloNatter(prefix: "natter-damaged-store")
        defer { solo.remove() }
        // A real store first: natter creates it, then stops cleanly (checkpointed, no WAL).
        let daemon = try solo.startDaemon(runtime: solo.base + "/run")
        #expect(try solo.answers(runtime: solo.base + "/run"))
        #expect(try solo.run(["status", "away", "--data-dir", solo.data, "--runtime-dir", solo.base + "/run"]).status == 0)
        daemon.stop()
        #expect(daemon.waitForExit() == 0)
        var info = stat()
        #expect(stat(solo.store, &info) == 0 && info.st_mode & 0o777 == 0o600, "the store is 0600 like the keys")

        // Garbage over everything after the header page.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: solo.store)[.size] as? Int)
        let handle = try #require(FileHandle(forWritingAtPath: solo.store))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data((0..<(size - 4096)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()
        let damaged = FileManager.default.contents(atPath: solo.store)

        let result = try refusal(solo)
        #expect(result.status == 78)
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: the message store \(solo.store) is damaged (SQLite's check: "), "\(result.stderr)")
        #expect(result.stderr.contains("natter did not start and changed nothing"))
        #expect(result.stderr.contains("mv \(solo.store) \(solo.store).damaged-"), "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: solo.store) == damaged, "byte for byte the file it was")
    }
}
