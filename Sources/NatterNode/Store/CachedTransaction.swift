import GRDB

extension Database {
    /// Runs `body` in an immediate transaction and commits it, as GRDB's
    /// `inTransaction(.immediate)` does, but with `BEGIN` and `COMMIT`
    /// prepared once per connection (the statement cache) instead of parsed
    /// at every transaction: a daemon commits once per message it receives,
    /// and parsing the two statements was a tenth of a group member's CPU
    /// per message (Docs/benchmarks.md, "Group delivery").
    ///
    /// On an error, in `body` or in the commit, what is left of the
    /// transaction is rolled back (SQLite may have rolled it back already)
    /// and the error is thrown: nothing of `body` is stored.
    func inCachedTransaction<T>(_ body: () throws -> T) throws -> T {
        try cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            let result = try body()
            try cachedStatement(sql: "COMMIT TRANSACTION").execute()
            return result
        } catch {
            try? rollback()
            throw error
        }
    }
}
