public import Logging
public import NatterDiscovery
public import ServiceLifecycle

/// Runs every discovery source — Avahi, the static peers, the forwarders —
/// and merges their sightings into the daemon, one event at a time. A source
/// that cannot run (avahi-daemon missing) logs its one clear error; the
/// others keep working. On graceful shutdown the sources stop (Avahi
/// withdraws this peer's record: the mDNS goodbye).
public struct DiscoveryService: Service {
    private let sources: [any DiscoverySource]
    private let daemon: NatterDaemon
    private let logger: Logger

    public init(sources: [any DiscoverySource], daemon: NatterDaemon, logger: Logger) {
        self.sources = sources
        self.daemon = daemon
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for source in sources {
                    group.addTask {
                        do {
                            try await source.run { event in await daemon.discovery(event, from: source.name) }
                        } catch {
                            logger.error("\(source.name): \(error)")
                        }
                    }
                }
            }
        }
    }
}
