import Foundation
import GRDB
@testable import NatterNode
import Testing

/// The store's log is copied into its file when the daemon is quiet, not in
/// the commit that crosses SQLite's threshold (1,000 frames).
@Suite("The store's write-ahead log, on a real SQLite file")
struct WriteAheadLogTests {
    let scratch: ScratchDirectory
    var path: String { scratch.storePath }

    init() throws {
        scratch = try ScratchDirectory("wal")
    }

    /// One commit of about `megabytes` MB: about 256 frames (4 KiB pages) per MB.
    func commitBlob(megabytes: Int, to store: MessageStore) throws {
        try store.write("write a blob") { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS ballast (data BLOB)")
            try db.execute(sql: "INSERT INTO ballast VALUES (zeroblob(?))", arguments: [megabytes * 1_048_576])
        }
    }

    @Test func commitsPastSQLitesThresholdWaitForTheQuietCheckpoint() async throws {
        let store = try MessageStore(path: path)
        let before = store.writeAheadLog.current
        try commitBlob(megabytes: 3, to: store)  // about 770 frames: inside the reserved log
        let after = store.writeAheadLog.current
        #expect(after.commits == before.commits + 1)
        #expect(after.frames > 700, "SQLite's auto-checkpoint would not have copied these, natter's copier neither")
        store.logCopier.waitUntilIdle()
        #expect(store.logCopier.finishedCopies == 0)

        try await store.checkpointLog()
        #expect(store.writeAheadLog.current.frames == 0)
        #expect(store.writeAheadLog.current.commits == after.commits, "a checkpoint is not a commit")
    }

    @Test func aLogPastItsReservedLengthIsCopiedBesideTheWriterAndStartsAgain() throws {
        let store = try MessageStore(path: path)
        store.logCopier.suspend()
        try commitBlob(megabytes: 6, to: store)  // about 1,500 frames
        #expect(store.writeAheadLog.current.frames > Int(WriteAheadLog.backgroundCopyFrames), "the commit returned before the copy")
        store.logCopier.resume()
        store.logCopier.waitUntilIdle()
        #expect(store.logCopier.finishedCopies == 1)
        #expect(store.writeAheadLog.current.frames == 0)

        // The next commit starts the log again at its beginning: inside the file, which does not grow.
        let length = try fileLength(path + "-wal")
        try commitBlob(megabytes: 0, to: store)
        #expect(store.writeAheadLog.current.frames < 10)
        #expect(try fileLength(path + "-wal") == length)
    }

    func fileLength(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    @Test func aCommitPastTheBoundCopiesTheLogItself() throws {
        let store = try MessageStore(path: path)
        try commitBlob(megabytes: 17, to: store)  // about 4,350 frames
        #expect(store.writeAheadLog.current.frames == 0, "a store with no quiet moment keeps a bounded log")
    }

    @Test func aRoundCheckpointsOnlyAfterARoundWithoutCommits() {
        var rule = QuietCheckpoints()
        let rounds: [(WriteAheadLog.Counts, Bool, String)] = [
            (.init(frames: 30, commits: 10), false, "the first round has nothing to compare with"),
            (.init(frames: 60, commits: 20), false, "commits since the last round: busy"),
            (.init(frames: 60, commits: 20), true, "a whole round without a commit"),
            (.init(frames: 0, commits: 20), false, "nothing left to copy"),
            (.init(frames: 0, commits: 20), false, "an idle store costs nothing"),
            (.init(frames: 3, commits: 21), false, "a commit since"),
            (.init(frames: 3, commits: 21), true, "quiet again"),
        ]
        for (log, expected, why) in rounds {
            let checkpoint = rule.round(log)
            #expect(checkpoint == expected, "\(why)")
        }
    }
}
