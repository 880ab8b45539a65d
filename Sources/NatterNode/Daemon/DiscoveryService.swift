public import Logging
public import NatterCore
import NatterDiscovery
public import NatterWire
public import ServiceLifecycle

/// Runs mDNS discovery for the daemon: publishes this peer, feeds colleagues
/// appearing and leaving into the daemon, and withdraws the record (the mDNS
/// goodbye) on graceful shutdown.
public final class DiscoveryService: Service, Sendable {
    private let discovery: AvahiDiscovery
    private let daemon: NatterDaemon
    private let logger: Logger

    public init(
        team: TeamKey, fingerprint: DeviceFingerprint, name: String, status: String,
        ports: (tcp: Int, udp: Int), daemon: NatterDaemon, logger: Logger
    ) {
        discovery = AvahiDiscovery(
            team: team, fingerprint: fingerprint, displayName: name, status: PresenceStatus(rawValue: status) ?? .available,
            tcpPort: UInt16(ports.tcp), udpPort: UInt16(ports.udp), logger: logger)
        self.daemon = daemon
        self.logger = logger
    }

    /// Republishes the presence status in the TXT record.
    public func publish(status: String) {
        discovery.update(status: PresenceStatus(rawValue: status))
    }

    public func run() async throws {
        do {
            try discovery.start()
        } catch {
            // Static peers keep working without mDNS.
            logger.error("\(error)")
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            for await event in self.discovery.events {
                switch event {
                case .appeared(let peer), .updated(let peer):
                    await self.daemon.discovered(
                        peer.fingerprint, name: peer.displayName, status: peer.status.rawValue,
                        addresses: peer.addresses, port: peer.tcpPort)
                case .disappeared(let fingerprint):
                    await self.daemon.lost(fingerprint)
                }
            }
        }
        discovery.stop()
    }
}
