/// Why the message store could not do what was asked. Messages never carry
/// message text or keys: they go to logs.
public enum StoreError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case failed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open the message store at \(path): \(reason); check that the data directory is writable and not on a full disk"
        case .failed(let operation, let reason):
            "the message store failed to \(operation): \(reason)"
        }
    }
}
