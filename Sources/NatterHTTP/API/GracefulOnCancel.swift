import Logging
import ServiceLifecycle

extension Service {
    /// Runs the service until the calling task is cancelled, and makes that
    /// cancellation a graceful shutdown first: stop accepting and take what
    /// was accepted, then, `HTTPConstants.acceptedConnectionsGrace` later, cancel.
    ///
    /// Cancelled outright, Hummingbird's accept loop stops while connections
    /// it has accepted still wait in its stream; they are dropped unhandled,
    /// and NIO traps on a dropped connection whose writer was never finished
    /// ("Deinited NIOAsyncWriter without calling finish()") — a connection
    /// arriving as a server stopped crashed the process. Only graceful, it
    /// would wait for every open event stream, which ends only when the
    /// daemon stops, after this server: the cancellation after the grace
    /// ends those. The service runs in a task of its own, which the
    /// caller's cancellation does not reach.
    func runCancellingGracefully(logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [self], logger: logger)
        configuration.maximumGracefulShutdownDuration = HTTPConstants.acceptedConnectionsGrace
        let group = ServiceGroup(configuration: configuration)
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}
