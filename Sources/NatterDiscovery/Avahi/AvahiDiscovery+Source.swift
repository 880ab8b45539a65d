extension AvahiDiscovery: DiscoverySource {
    public var name: String { "mDNS" }

    /// Publishes this peer, keeps its record fresh and reports colleagues
    /// until cancelled; then withdraws the record (the mDNS goodbye).
    public func run(report: @escaping @Sendable (DiscoveryEvent) async -> Void) async throws {
        try start()
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.keepFresh() }
                for await event in events { await report(event) }
                group.cancelAll()
            }
        } onCancel: {
            stop()
        }
    }
}
