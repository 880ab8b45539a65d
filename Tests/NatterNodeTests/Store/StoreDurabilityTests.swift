import Foundation
import GRDB
import NatterCore
@testable import NatterNode
import Testing

/// A receipt says "stored on the receiver's disk" (Docs/protocol.md §5.5),
/// so the writer must sync the WAL at every commit: `synchronous = FULL`.
/// GRDB's pool sets `NORMAL` in WAL mode, which would make a receipt a
/// promise only about natter crashing, not the machine.
@Suite("The store's commits survive a power cut")
struct StoreDurabilityTests {
    let scratch: ScratchDirectory
    var path: String { scratch.storePath }

    init() throws {
        scratch = try ScratchDirectory("durability")
    }

    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))

    /// A message to Bob, waiting in the outbox.
    func queued(_ sequence: UInt64) -> ChatMessage {
        var generator = SystemRandomNumberGenerator()
        return ChatMessage(
            id: MessageID(unixMilliseconds: 1_764_000_000_000 + sequence, using: &generator), peer: bob, direction: .outgoing,
            text: "message \(sequence)", sequence: sequence, sentAt: 1_764_000_000_000, receivedAt: nil, delivery: .queued)
    }

    /// `PRAGMA synchronous` of the connection that commits: 2 is FULL.
    func writerSynchronous(_ store: MessageStore) throws -> Int? {
        try store.write("read the writer's synchronous mode") { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    @Test func aNewStoreCommitsWithFullSync() throws {
        let store = try MessageStore(path: path)
        #expect(try writerSynchronous(store) == 2)
        #expect(try store.write("read the journal mode") { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func aReopenedStoreCommitsWithFullSync() throws {
        do { _ = try MessageStore(path: path) }
        let reopened = try MessageStore(path: path)
        #expect(try writerSynchronous(reopened) == 2)
    }

    /// The WAL is made long at the start (``StoreFiles/reserveLogSpace(of:)``),
    /// so a commit does not also make `fdatasync` write the file's new size.
    @Test func aStoreReservesItsLogWhenItOpens() throws {
        let store = try MessageStore(path: path)
        var info = stat()
        #expect(stat(path + "-wal", &info) == 0)
        #expect(Int(info.st_size) >= StoreFiles.reservedLogBytes)
        #expect(info.st_mode & 0o077 == 0, "the log is 0600 like the store")
        _ = store
    }

    /// The reserved zeros are never read as frames: a store whose log holds
    /// committed messages followed by the zeros, as a power cut leaves it
    /// (copied while the store is open, before any checkpoint), opens with
    /// every committed message and passes SQLite's check. The store is
    /// opened a second time for it: SQLite removed the log at the first
    /// close, so this log is the one natter made at the start.
    @Test func aLogWithReservedSpaceRecoversEveryCommit() async throws {
        do { _ = try MessageStore(path: path) }
        let store = try MessageStore(path: path)
        var sent: [MessageID] = []
        for sequence: UInt64 in 1...20 {
            let message = queued(sequence)
            _ = try await store.commit([.outgoing(message)])
            sent.append(message.id)
        }
        var info = stat()
        #expect(stat(path + "-wal", &info) == 0 && Int(info.st_size) == StoreFiles.reservedLogBytes, "the commits stayed inside the reserved log")
        let copy = scratch.path + "/after-power-cut.sqlite"
        for suffix in ["", "-wal"] { try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix) }
        let recovered = try MessageStore(path: copy)
        #expect(try recovered.outbox(for: bob).map(\.id) == sent)
        #expect(try recovered.write("check the recovered store") { db in try String.fetchAll(db, sql: "PRAGMA quick_check") } == ["ok"])
        _ = store
    }

    /// Receipts alone commit without waiting for the disk (a lost receipt
    /// only brings a resend); the connection must be back to FULL after.
    @Test func aCommitOfReceiptsAloneLeavesTheWriterDurable() async throws {
        let store = try MessageStore(path: path)
        let message = queued(1)
        _ = try await store.commit([.outgoing(message)])
        let results = try await store.commit([.delivered(message.id, to: bob, at: 5)])
        #expect(try results.count == 1 && store.outbox(for: bob).isEmpty, "the receipt is recorded")
        #expect(try writerSynchronous(store) == 2)
    }
}
