import Foundation

/// Runs blocking calls (a socket read, the CLI's synchronous API client) on a
/// thread of their own and waits for them without holding a thread.
///
/// Swift's cooperative pool has one thread per CPU, two on the CI machine,
/// and the servers under test (Hummingbird's handlers, the daemon's actors)
/// run on that pool too. Two tests running side by side that each block a
/// pool thread in `read` leave the servers they wait for nowhere to run:
/// both stall until their sockets time out. A test that blocks must do it here.
public func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
