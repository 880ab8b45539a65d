import Foundation
@testable import NatterNode
import Testing

/// The pure decision: what is on disk in, create / check / refuse out.
@Suite("Store at start: the decision")
struct StoreStartupTests {
    static let header = StoreStartup.sqliteHeader

    @Test(arguments: [
        (StoreStartup.Found.missing(orphanWAL: false), StoreStartup.Plan.create),
        (.missing(orphanWAL: true), .refuse(.walWithoutDatabase)),
        (.empty, .refuse(.empty)),
        (.present(header: header), .check),
        (.present(header: Array(header.prefix(15))), .refuse(.notSQLite)),
        (.present(header: Array(repeating: 0, count: 16)), .refuse(.notSQLite)),
        (.present(header: Array("SQLite format 2\0".utf8)), .refuse(.notSQLite)),
    ])
    func plan(found: StoreStartup.Found, expected: StoreStartup.Plan) {
        #expect(StoreStartup.plan(for: found) == expected)
    }

    @Test func quickCheckVerdict() {
        #expect(StoreStartup.verdict(quickCheck: ["ok"]) == nil)
        #expect(StoreStartup.verdict(quickCheck: ["*** in database main ***\nOn tree page 2 cell 0: invalid page number 9\nPage 5: never used"])
            == .damaged(firstProblem: "On tree page 2 cell 0: invalid page number 9", more: 1), "the problems, not SQLite's heading")
        #expect(StoreStartup.verdict(quickCheck: ["row 1 missing from index x", "row 2 missing from index x"])
            == .damaged(firstProblem: "row 1 missing from index x", more: 1))
        #expect(StoreStartup.verdict(quickCheck: []) == .damaged(firstProblem: "no answer", more: 0))
    }

    @Test func theMessageSaysWhatIsWrongAndTheExactCommands() {
        let damaged = StoreDamage.damaged(firstProblem: "Page 4: btreeInitPage() returns error code 11", more: 2)
            .message(path: "/home/al/.local/share/natter/messages.sqlite", sidecars: ["-wal"], setAsideSuffix: ".damaged-20261126T165000Z")
        #expect(!damaged.contains("\n"), "one line")
        #expect(damaged.hasPrefix("the message store /home/al/.local/share/natter/messages.sqlite is damaged (SQLite's check: Page 4: btreeInitPage() returns error code 11 and 2 more problems)"))
        #expect(damaged.contains("natter did not start and changed nothing"))
        #expect(damaged.contains(
            "mv /home/al/.local/share/natter/messages.sqlite /home/al/.local/share/natter/messages.sqlite.damaged-20261126T165000Z"
                + " && mv /home/al/.local/share/natter/messages.sqlite-wal /home/al/.local/share/natter/messages.sqlite.damaged-20261126T165000Z-wal"),
            "the WAL moves with its database, keeping SQLite's naming so the copy opens whole")

        let empty = StoreDamage.empty.message(path: "/d/messages.sqlite", sidecars: [], setAsideSuffix: ".damaged-X")
        #expect(empty.contains("is empty (0 bytes)") && empty.hasSuffix("mv /d/messages.sqlite /d/messages.sqlite.damaged-X (sqlite3 can try to salvage the copy: .recover)"))

        let orphan = StoreDamage.walWithoutDatabase.message(path: "/d/messages.sqlite", sidecars: ["-wal", "-shm"], setAsideSuffix: ".damaged-X")
        #expect(orphan.contains("is missing but its write-ahead log /d/messages.sqlite-wal is there"))
        #expect(orphan.hasSuffix("mv /d/messages.sqlite-wal /d/messages.sqlite.damaged-X-wal && mv /d/messages.sqlite-shm /d/messages.sqlite.damaged-X-shm"),
            "no mv for the main file that is not there")
    }

    @Test func pathsAreQuotedForTheShell() {
        #expect(StoreDamage.quoted("/home/al/natter/messages.sqlite") == "/home/al/natter/messages.sqlite")
        #expect(StoreDamage.quoted("/home/Al Example/x") == "'/home/Al Example/x'")
        #expect(StoreDamage.quoted("/tmp/it's") == #"'/tmp/it'\''s'"#)
        #expect(StoreDamage.quoted("/tmp/数据") == "'/tmp/数据'")
    }

    @Test func theTimestampSortsAndIsOneWord() {
        #expect(StoreFiles.timestamp(Date(timeIntervalSince1970: 1_764_175_800)) == "20251126T165000Z")
    }
}

/// The same decisions carried out on real files by `MessageStore(path:)`.
@Suite("Store at start: real files")
struct StoreStartupFileTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "natter-store-start-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var path: String { directory + "/messages.sqlite" }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "not refused"
        } catch let error as StoreError {
            guard case .refused(let message) = error else { return "wrong error: \(error)" }
            return message
        } catch {
            return "wrong error: \(error)"
        }
    }

    @Test func aNewDeviceGetsAFreshStoreOnly0600AndNoLeftovers() throws {
        let store = try MessageStore(path: path)
        try store.setSetting("k", to: "v")
        #expect(mode(path) == 0o600)
        #expect(mode(path + "-wal") == 0o600, "SQLite gives the WAL the database's mode")
        #expect(mode(path + "-shm") == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            == ["messages.sqlite", "messages.sqlite-shm", "messages.sqlite-wal"], "built as .new, renamed into place, nothing of it left")
    }

    @Test func anUnfinishedBuildFromACrashIsReplaced() throws {
        try #require(FileManager.default.createFile(atPath: path + ".new", contents: Data()))
        try #require(FileManager.default.createFile(atPath: path + ".new-wal", contents: Data(repeating: 9, count: 100)))
        let store = try MessageStore(path: path)
        try store.setSetting("k", to: "v")
        #expect(try store.setting("k") == "v")
        #expect(!FileManager.default.fileExists(atPath: path + ".new") && !FileManager.default.fileExists(atPath: path + ".new-wal"))
    }

    @Test func anOldStoreReadableByOthersBecomes0600() throws {
        do { _ = try MessageStore(path: path).setSetting("k", to: "v") }
        chmod(path, 0o644)
        let reopened = try MessageStore(path: path)
        #expect(mode(path) == 0o600)
        #expect(try reopened.setting("k") == "v")
    }

    @Test func anEmptyFileIsRefusedAndLeftAlone() throws {
        try #require(FileManager.default.createFile(atPath: path, contents: Data()))
        let message = refusal { _ = try MessageStore(path: path) }
        #expect(message.contains("is empty (0 bytes)") && message.contains("mv \(path) \(path).damaged-"), "\(message)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0, "not turned into a fresh store")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["messages.sqlite"], "no WAL, no copy, nothing moved")
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try #require(FileManager.default.createFile(atPath: path, contents: garbage))
        let message = refusal { _ = try MessageStore(path: path) }
        #expect(message.contains("is not an SQLite database"), "\(message)")
        #expect(FileManager.default.contents(atPath: path) == garbage)
    }

    @Test func damagedPagesAreFoundByTheQuickCheckAndRefused() throws {
        do {
            let store = try MessageStore(path: path)
            for index in 0..<200 { try store.setSetting("key\(index)", to: String(repeating: "x", count: 200)) }
            try store.checkpoint()
        }
        // Garbage over pages 2 and 3 (the tables), the header page intact.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try handle.close()
        let before = FileManager.default.contents(atPath: path)
        let message = refusal { _ = try MessageStore(path: path) }
        #expect(message.contains("is damaged") && message.contains("mv \(path) "), "\(message)")
        #expect(FileManager.default.contents(atPath: path) == before, "the damaged file is not changed")
    }

    @Test func aWriteAheadLogWithoutItsDatabaseIsRefused() throws {
        try #require(FileManager.default.createFile(atPath: path + "-wal", contents: Data(repeating: 1, count: 32)))
        let message = refusal { _ = try MessageStore(path: path) }
        #expect(message.contains("write-ahead log"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
