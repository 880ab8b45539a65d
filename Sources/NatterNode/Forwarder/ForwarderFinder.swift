public import Logging
public import NatterDiscovery
public import ServiceLifecycle

/// Hands the forwarders that mDNS finds on this subnet to ``Forwarders``, so
/// members on a forwarder's subnets need no configuration.
public struct ForwarderFinder: Service {
    private let browser: ForwarderBrowser
    private let forwarders: Forwarders
    private let logger: Logger

    public init(browser: ForwarderBrowser, forwarders: Forwarders, logger: Logger) {
        self.browser = browser
        self.forwarders = forwarders
        self.logger = logger
    }

    public func run() async throws {
        do {
            try browser.start()
        } catch {
            // Without avahi-daemon natter still runs (static peers, configured
            // forwarders): a service that returns would end the whole group.
            // mDNS discovery already says, once, that avahi-daemon is missing.
            logger.debug("not looking for forwarders on mDNS: \(error)")
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                var endpoints: [String: StaticPeer] = [:]
                for await event in browser.events {
                    switch event {
                    case .found(let found):
                        guard let endpoint = try? StaticPeer(parsing: "\(found.host):\(found.port)") else { continue }
                        if let old = endpoints[found.instanceName], old != endpoint { forwarders.lost(old) }
                        endpoints[found.instanceName] = endpoint
                        forwarders.found(endpoint)
                    case .lost(let name):
                        if let old = endpoints.removeValue(forKey: name) { forwarders.lost(old) }
                    }
                }
            } onCancel: {
                browser.stop()
            }
        }
    }
}
