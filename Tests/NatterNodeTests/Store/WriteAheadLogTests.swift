import Foundation
import GRDB
import Synchronization
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

    /// A store whose log is copied past its whole reserved length, as the
    /// drawn threshold allows at most: the tests below know where that is.
    func storeCopyingAtTheReservedLength() throws -> MessageStore {
        try MessageStore(path: path, logCopyThreshold: .init(draw: { WriteAheadLog.backgroundCopyFrames }))
    }

    @Test func commitsPastSQLitesThresholdWaitForTheQuietCheckpoint() async throws {
        let store = try storeCopyingAtTheReservedLength()
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
        let store = try storeCopyingAtTheReservedLength()
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

    @Test func eachCopyDrawsTheNextThresholdWithinTheReservedLength() throws {
        let draws = Mutex<[Int32]>([300, 600])
        let threshold = WriteAheadLog.CopyThreshold(draw: { draws.withLock { $0.removeFirst() } })
        let store = try MessageStore(path: path, logCopyThreshold: threshold)
        #expect(store.writeAheadLog.copyThreshold == 300)
        try commitBlob(megabytes: 1, to: store)  // about 260 frames: below the first threshold
        store.logCopier.waitUntilIdle()
        #expect(store.logCopier.finishedCopies == 0)
        try commitBlob(megabytes: 1, to: store)  // past it
        store.logCopier.waitUntilIdle()
        #expect(store.logCopier.finishedCopies == 1, "copied past the drawn threshold, short of the reserved length")
        #expect(store.writeAheadLog.copyThreshold == 600, "and the next one drawn")

        let drawn = (0..<1_000).map { _ in WriteAheadLog.CopyThreshold().frames }
        #expect(drawn.allSatisfy { WriteAheadLog.CopyThreshold.range.contains($0) })
        #expect(WriteAheadLog.CopyThreshold.range.upperBound == WriteAheadLog.backgroundCopyFrames, "a copied log starts again inside its reserved length")
        #expect(Set(drawn).count > 100, "spread, so daemons filling their logs alike copy at different messages")
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
