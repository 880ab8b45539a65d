import Foundation
import GRDB
@testable import NatterNode
import Testing

/// ``Database/inCachedTransaction(_:)`` stands in for GRDB's transaction on
/// every store write, so it must keep its promise: all of the body or
/// nothing, and a connection that is usable afterwards.
@Suite("Transactions with BEGIN and COMMIT prepared once")
struct CachedTransactionTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("cached-transaction")
    }

    struct Refused: Error {}

    func count(_ store: MessageStore) throws -> Int {
        try store.read("count settings") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM setting") ?? -1 }
    }

    @Test func aBodyThatThrowsLeavesNothingAndTheNextTransactionCommits() throws {
        let store = try MessageStore(path: scratch.storePath)
        #expect(throws: StoreError.self) {
            try store.write("a write that fails halfway") { db in
                try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('a', '1')")
                #expect(db.isInsideTransaction)
                throw Refused()
            }
        }
        #expect(try count(store) == 0)
        try store.write("the next write") { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('b', '2')") }
        try store.write("and one more, with the statements from the cache") { db in
            try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('c', '3')")
        }
        #expect(try count(store) == 2)
    }

    /// A full disk (SQLite may roll back on its own then) leaves none of
    /// the body, and the writer out of the transaction for the next one.
    @Test func aFullDiskLeavesNothingAndTheWriterOutOfTheTransaction() throws {
        let store = try MessageStore(path: scratch.storePath)
        try store.simulateFullDisk()
        let text = String(repeating: "x", count: 64 * 1024)
        #expect(throws: StoreError.self) {
            try store.write("a write too large for the disk") { db in
                for key in 0..<16 { try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?)", arguments: ["\(key)", text]) }
            }
        }
        #expect(try count(store) == 0)
        let inTransaction = try store.database.writeWithoutTransaction { db in db.isInsideTransaction }
        #expect(!inTransaction)
        try store.write("a small write still fits") { db in try db.execute(sql: "INSERT INTO setting (key, value) VALUES ('small', '1')") }
        #expect(try count(store) == 1)
    }
}
