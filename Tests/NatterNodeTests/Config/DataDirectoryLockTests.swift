import Foundation
import NatterNode
import NatterTesting
import Testing

@Suite("One daemon per data directory")
struct DataDirectoryLockTests {
    @Test func aSecondHolderIsRefusedNamingTheFirstsPID() throws {
        let directory = temporaryDirectory()
        let first = try DataDirectoryLock(directory: directory)
        // flock conflicts between open file descriptions, even in one process.
        #expect(throws: DataDirectoryLockError.alreadyRunning(first.path, pid: getpid())) {
            _ = try DataDirectoryLock(directory: directory)
        }
        #expect(DataDirectoryLockError.alreadyRunning(first.path, pid: 42).description.contains("kill 42"))
        withExtendedLifetime(first) {}
    }

    @Test func theLockGoesWithItsHolder() throws {
        let directory = temporaryDirectory()
        do {
            let first = try DataDirectoryLock(directory: directory)
            withExtendedLifetime(first) {}
        }
        let second = try DataDirectoryLock(directory: directory)
        #expect(try String(contentsOfFile: second.path, encoding: .utf8) == "\(getpid())\n")
    }
}
