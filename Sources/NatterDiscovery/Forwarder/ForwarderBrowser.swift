public import Logging
public import NatterWire

/// Where a forwarder of our team listens, as its mDNS record says.
public struct ForwarderEndpoint: Sendable, Equatable {
    /// The key across events: a later `.found` with the same name replaces the endpoint.
    public let instanceName: String
    /// Numeric IPv4 address.
    public let host: String
    public let port: UInt16

    public init(instanceName: String, host: String, port: UInt16) {
        self.instanceName = instanceName
        self.host = host
        self.port = port
    }
}

public enum ForwarderEvent: Sendable, Equatable {
    /// New, or moved (same instance name, new address or port).
    case found(ForwarderEndpoint)
    case lost(instanceName: String)
}

/// Finds our team's forwarders on the LAN: browses `_natter-fwd._tcp` and
/// keeps only records whose `t=` is ``ForwarderKey/forwarderTag`` of our
/// team's key. Other teams' forwarders are counted in ``rejectedRecords``.
public final class ForwarderBrowser: Sendable {
    private let sightings: SightingStream<ForwarderEndpoint, ForwarderEvent>
    private let service: AvahiService

    public init(tag: TeamTag, logger: Logger) {
        let sightings = SightingStream<ForwarderEndpoint, ForwarderEvent>(
            judge: { sighting in
                do throws(ForwarderRecord.Rejection) {
                    try ForwarderRecord.check(sighting.txt, tag: tag)
                    return .accept(ForwarderEndpoint(instanceName: sighting.instanceName, host: sighting.address, port: sighting.port))
                } catch {
                    logger.debug("ignored a forwarder record", metadata: ["service": "\(sighting.instanceName)", "reason": "\(error)"])
                    return .reject
                }
            },
            translate: { change in
                switch change {
                case .appeared(let endpoint), .replaced(_, by: let endpoint): [.found(endpoint)]
                case .disappeared(let endpoint): [.lost(instanceName: endpoint.instanceName)]
                }
            })
        self.sightings = sightings
        service = AvahiService(publication: nil, browseType: ForwarderRecord.serviceType, logger: logger, observe: sightings.observe)
    }

    /// Our team's forwarders as they come and go, for a single consumer.
    /// Ends after ``stop()``.
    public var events: AsyncStream<ForwarderEvent> { sightings.events }

    /// Throws only if Avahi cannot even be set up; a missing daemon is waited for.
    public func start() throws(DiscoveryError) {
        try service.start()
    }

    public func stop() {
        service.stop()
        sightings.finish()
    }

    /// Forwarder records seen that were not ours (other teams, other versions).
    public var rejectedRecords: Int { sightings.rejected }
}
