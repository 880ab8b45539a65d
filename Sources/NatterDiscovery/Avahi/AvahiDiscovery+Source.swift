extension AvahiDiscovery: DiscoverySource {
    public var name: String { "mDNS" }

    /// Publishes this peer and reports colleagues until cancelled; then
    /// withdraws the record (the mDNS goodbye).
    public func run(report: @escaping @Sendable (DiscoveryEvent) async -> Void) async throws {
        try start()
        await withTaskCancellationHandler {
            for await event in events { await report(event) }
        } onCancel: {
            stop()
        }
    }
}
