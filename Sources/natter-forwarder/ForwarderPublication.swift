import Logging
import NatterWire

/// The forwarder's mDNS publication: `_natter-fwd._tcp` on its port, TXT
/// `v=1` and `t=<forwarder tag, hex>`, on every interface.
///
/// A seam: the reusable Avahi publisher (`AvahiService`, branch `avahi`) has
/// not landed on main yet, and this must not become a second Avahi wrapper.
/// When it lands, `start()` publishes through it and `stop()` withdraws.
struct ForwarderPublication: Sendable {
    static let serviceType = "_natter-fwd._tcp"
    let port: UInt16
    let tag: TeamTag
    let logger: Logger

    init(port: UInt16, tag: TeamTag, logger: Logger) {
        self.port = port
        self.tag = tag
        self.logger = logger
    }

    /// The TXT record's entries.
    var txt: [String] { ["v=1", "t=\(tag)"] }

    func start() {
        logger.notice("mDNS publication of \(Self.serviceType) on port \(port) is not wired yet (waits for AvahiService); members need the forwarder's address")
    }

    func stop() {}
}
