import Foundation
import NatterCore
public import NatterWire

/// The secrets in the data directory: `identity.key` (this device's X25519
/// private key) and `team.key` (the team key), each 32 raw bytes, mode 0600,
/// in a directory of mode 0700.
public struct KeyFiles: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    var identityPath: String { directory + "/identity.key" }
    var teamPath: String { directory + "/team.key" }

    /// The device identity, made on first use.
    public func loadOrCreateIdentity() throws(KeyFileError) -> DeviceIdentity {
        if let bytes = try read(identityPath) {
            do {
                return try DeviceIdentity(rawRepresentation: bytes)
            } catch {
                throw .damaged(identityPath)
            }
        }
        let identity = DeviceIdentity()
        try write(identity.privateKeyBytes, to: identityPath)
        return identity
    }

    /// The team key, or nil before `natter team create` / `join`.
    public func loadTeam() throws(KeyFileError) -> TeamKey? {
        guard let bytes = try read(teamPath) else { return nil }
        do {
            return try TeamKey(bytes: bytes)
        } catch {
            throw .damaged(teamPath)
        }
    }

    public func saveTeam(_ team: TeamKey) throws(KeyFileError) {
        try write(team.bytes, to: teamPath)
    }

    /// Creates the directory 0700 (and tightens an existing one).
    public func prepareDirectory() throws(KeyFileError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(directory, String(describing: error))
        }
        chmod(directory, 0o700)
    }

    private func read(_ path: String) throws(KeyFileError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path) }
        return Array(data)
    }

    /// Atomic and durable (``DurableFile``), 0600: a crash or power cut never
    /// leaves half a key, nor a key that vanishes with the next restart.
    private func write(_ bytes: [UInt8], to path: String) throws(KeyFileError) {
        try prepareDirectory()
        do {
            try DurableFile.replace(path, with: bytes)
        } catch {
            throw .unwritable(path, "could not \(error.step) it: \(error.reason)")
        }
    }
}

public enum KeyFileError: Error, CustomStringConvertible {
    case damaged(String)
    case unreadable(String)
    case unwritable(String, String)

    public var description: String {
        switch self {
        case .damaged(let path): "\(path) is damaged; move it aside and run natter init (identity) or natter team join (team key)"
        case .unreadable(let path): "cannot read \(path); check its owner and permissions (it should be 0600 and yours)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
