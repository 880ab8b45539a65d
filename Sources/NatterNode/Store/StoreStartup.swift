import Foundation

/// What natter does with `messages.sqlite` at start, decided from what is on
/// disk before SQLite touches it, and from SQLite's quick check after.
///
/// The rule: a store that holds (or may have held) history is never replaced
/// by a fresh one and never opened half-broken. Only a missing file means "new
/// device"; anything else that is not a healthy SQLite database is refused
/// with one sentence saying what is wrong and the exact commands that set it
/// aside (natter itself never moves or deletes it: the user decides, and may
/// want to salvage it first).
enum StoreStartup {

    /// The store file as found, before SQLite opens it.
    enum Found: Equatable {
        /// No `messages.sqlite`. `orphanWAL`: its `-wal` is there and not empty
        /// (committed transactions that would be lost with a fresh store).
        case missing(orphanWAL: Bool)
        /// A file of 0 bytes. natter never leaves one (a new store is built
        /// under another name and renamed into place), so history was lost
        /// outside natter: a full disk during a copy, a failed restore. An
        /// older natter that crashed before its first store was written could
        /// leave one too; then nothing was in it, and setting it aside is all
        /// the user needs to do.
        case empty
        /// A file whose first bytes are `header` (up to 16).
        case present(header: [UInt8])
    }

    enum Plan: Equatable {
        /// Build a new, empty store.
        case create
        /// Open it and run the quick check before anything is written.
        case check
        case refuse(StoreDamage)
    }

    /// The 16 bytes every SQLite 3 database starts with (sqlite.org/fileformat.html §1.3).
    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    static func plan(for found: Found) -> Plan {
        switch found {
        case .missing(let orphanWAL):
            orphanWAL ? .refuse(.walWithoutDatabase) : .create
        case .empty:
            .refuse(.empty)
        case .present(let header):
            header == sqliteHeader ? .check : .refuse(.notSQLite)
        }
    }

    /// The verdict on `PRAGMA quick_check`'s rows: one row `ok` when healthy,
    /// else the problems found (SQLite stops at the limit it was given), one
    /// per line, after a `*** in database main ***` heading.
    static func verdict(quickCheck rows: [String]) -> StoreDamage? {
        if rows == ["ok"] { return nil }
        let problems = rows.flatMap { $0.split(whereSeparator: \.isNewline) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("*** in database") }
        guard let first = problems.first else { return .damaged(firstProblem: "no answer", more: 0) }
        return .damaged(firstProblem: first, more: problems.count - 1)
    }
}

/// Why the store cannot be used as it is. Its ``message(path:sidecars:setAsideSuffix:)``
/// is what the user reads: one line with what is wrong and what to do.
enum StoreDamage: Equatable {
    case empty
    case notSQLite
    case walWithoutDatabase
    /// SQLite's quick check found problems, or SQLite said so while opening.
    case damaged(firstProblem: String, more: Int)

    /// One line for `natter up`'s error: what is wrong, that nothing was
    /// touched, and the commands that set the files aside so the next start
    /// builds a new store.
    /// - Parameters:
    ///   - sidecars: which of `-wal` and `-shm` exist beside `path` (they
    ///     belong to the store and must move with it: a stale WAL beside a new
    ///     store would be replayed into it).
    ///   - setAsideSuffix: appended to each name, e.g. `.damaged-20261126T165000Z`.
    func message(path: String, sidecars: [String], setAsideSuffix: String) -> String {
        let what: String
        switch self {
        case .empty:
            what = "the message store \(path) is empty (0 bytes): its history and outbox are gone, "
                + "lost outside natter (a full disk, a failed copy or restore)"
        case .notSQLite:
            what = "the message store \(path) is not an SQLite database (its first bytes are wrong): it was overwritten or damaged"
        case .walWithoutDatabase:
            what = "the message store \(path) is missing but its write-ahead log \(path)-wal is there: "
                + "starting afresh would lose what that log holds"
        case .damaged(let problem, let more):
            let others = more > 0 ? " and \(more) more problem\(more == 1 ? "" : "s")" : ""
            what = "the message store \(path) is damaged (SQLite's check: \(problem)\(others))"
        }
        let names = (self == .walWithoutDatabase ? [] : [""]) + sidecars
        let moves = names.map { "mv \(Self.quoted(path + $0)) \(Self.quoted(path + setAsideSuffix + $0))" }
        return what + "; natter did not start and changed nothing. "
            + "Restore it from a backup, or set it aside and start with an empty store: "
            + moves.joined(separator: " && ")
            + (self == .walWithoutDatabase ? "" : " (sqlite3 can try to salvage the copy: .recover)")
    }

    /// A path as one shell word: bare when it is plainly safe, else in single quotes.
    static func quoted(_ path: String) -> String {
        let safe = path.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar) || "/._-+:@%,".unicodeScalars.contains(scalar))
        }
        return safe ? path : "'" + path.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
