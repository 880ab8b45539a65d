import NatterHTTP

extension LocalAPIServer {
    /// Runs the server in a task and returns it once the socket answers
    /// (or the server failed to start: the task's result says why).
    func started() async -> Task<Void, any Error> {
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        let serving = Task {
            defer { readyContinuation.finish() }
            try await run(ready: { readyContinuation.yield() })
        }
        for await _ in ready { break }
        return serving
    }
}
