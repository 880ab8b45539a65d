import GRDB

/// Why the message store could not do what was asked. Messages never carry
/// message text, keys or SQL: they go to logs and to API answers.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case failed(operation: String, reason: String)
    /// The store on disk is empty, not SQLite or damaged, and natter will not
    /// start on it: the whole sentence, with the commands to set it aside
    /// (`StoreDamage.message`).
    case refused(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the message store at \(path): \(reason); check that the data directory is writable and not on a full disk"
        case .failed(let operation, let reason):
            "the message store failed to \(operation): \(reason)"
        case .refused(let message):
            message
        }
    }

    /// What SQLite's error means for the user, without the statement GRDB
    /// quotes (it may name columns, never values, but it helps nobody).
    static func sentence(for error: any Error) -> String {
        if let error = error as? DurableFileError { return "could not \(error.step) \(error.path): \(error.reason)" }
        guard let error = error as? DatabaseError else { return "\(error)" }
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_READONLY: return "the store is read-only"
        case .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_CANTOPEN: return "the file cannot be opened (permissions?)"
        case .SQLITE_IOERR: return "the disk failed to read or write"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "another process holds the store"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return "the file is damaged"
        default: return "SQLite error \(error.resultCode.rawValue) (\(error.message ?? "no message"))"
        }
    }
}
