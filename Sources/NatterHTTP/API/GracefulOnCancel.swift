import Logging
import ServiceLifecycle

extension Service {
    /// Runs the service until the calling task is cancelled, and makes that
    /// cancellation a graceful shutdown.
    ///
    /// Cancelled outright, Hummingbird's accept loop stops while connections
    /// it has accepted still wait in its stream; they are dropped unhandled,
    /// and NIO traps on a dropped connection whose writer was never finished
    /// ("Deinited NIOAsyncWriter without calling finish()") — a connection
    /// arriving as a server stopped crashed the process. Shut down
    /// gracefully, the server stops accepting, serves what it has taken, and
    /// returns. The service runs in a task of its own, which the caller's
    /// cancellation does not reach; only the graceful shutdown does.
    func runCancellingGracefully(logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: [self], logger: logger))
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}
