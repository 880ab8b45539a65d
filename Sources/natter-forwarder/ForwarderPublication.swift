import Logging
import NatterDiscovery
import NatterWire

/// The forwarder's mDNS publication (Docs/protocol.md §9.2):
/// `_natter-fwd._tcp` on its port, TXT `v=1` and `t=<forwarder tag>`, on
/// every interface, through the one Avahi wrapper (``AvahiService``).
/// Without an avahi-daemon the forwarder still runs: members that configure
/// its address find it; AvahiService logs the fix once and retries.
struct ForwarderPublication: Sendable {
    let service: AvahiService
    let logger: Logger

    init(port: UInt16, key: ForwarderKey, logger: Logger) {
        service = AvahiService(publication: ForwarderRecord.publication(port: port, key: key), browseType: nil, logger: logger)
        self.logger = logger
    }

    func start() {
        do {
            try service.start()
            logger.info("publishing \(ForwarderRecord.serviceType) on mDNS")
        } catch {
            logger.warning("mDNS publication not started: \(error); members must be given this forwarder's address")
        }
    }

    func stop() {
        service.stop()
    }
}
