public import Logging
public import NatterAPI
public import NatterCore
public import NatterDiscovery
public import NatterWire
public import ServiceLifecycle
import Synchronization

/// This member's forwarders: the configured ones and those found on mDNS.
/// A member registers with all of them (redundancy), merges their
/// directories into one discovery source, asks any that lists a colleague
/// for a relay, and joins the relays others ask for (Docs/protocol.md §9).
///
/// A forwarder is blind: it gets the keyed fingerprint and the sealed record,
/// never the team key, and relays the end-to-end encrypted link it cannot read.
public final class Forwarders: Service, RelayDialer, ForwarderClientDelegate, Sendable {
    private let team: TeamSubkeys
    private let fingerprint: DeviceFingerprint
    private let links: PeerLinkService
    private let logger: Logger
    /// This machine's clock, Unix ms: records are sealed and hellos stamped with it.
    private let wallClock: @Sendable () -> UInt64
    /// From the configuration: used for as long as natter runs.
    private let configured: Set<StaticPeer>
    private let state: Mutex<State>
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    private let directoryEvents: AsyncStream<DiscoveryEvent>

    private struct State {
        var record: DiscoveryRecord
        var ports: (tcp: UInt16, udp: UInt16)
        var clients: [StaticPeer: (client: ForwarderClient, task: Task<Void, Never>)] = [:]
        var merger = SightingMerger()
        /// The device behind each keyed fingerprint a forwarder listed (a
        /// withdrawal names only the keyed fingerprint).
        var devices: [[UInt8]: DeviceFingerprint] = [:]
        /// The newest publication time listed per device: an older entry (a
        /// forwarder replaying an old status or name) is ignored.
        var newest: [DeviceFingerprint: UInt64] = [:]
        var started = false
        var pendingEndpoints: [StaticPeer] = []
    }

    /// - Parameters:
    ///   - endpoints: the configured forwarders (`network.forwarders`); more come from ``found(_:)``.
    ///   - links: joins the relays (the link layer runs relayed links like direct ones).
    ///   - wallClock: this machine's clock, Unix ms; moved only in tests (Docs/testing.md).
    public init(
        team: TeamKey, fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus,
        ports: (tcp: Int, udp: Int), endpoints: [StaticPeer], links: PeerLinkService, logger: Logger,
        wallClock: @escaping @Sendable () -> UInt64 = { AvahiDiscovery.wallClock() }
    ) {
        self.wallClock = wallClock
        self.team = team.subkeys
        self.fingerprint = fingerprint
        self.links = links
        self.logger = logger
        configured = Set(endpoints)
        let record = DiscoveryRecord(fingerprint: fingerprint, displayName: displayName, status: status, published: wallClock())
        state = Mutex(State(record: record, ports: (UInt16(ports.tcp), UInt16(ports.udp)), pendingEndpoints: endpoints))
        (directoryEvents, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
    }

    /// The colleagues the forwarders list, as one discovery source.
    public var source: some DiscoverySource { ForwarderDirectorySource(events: directoryEvents) }

    /// Keeps a connection to every forwarder until graceful shutdown, then
    /// says goodbye to each.
    public func run() async throws {
        let endpoints = state.withLock { state in
            state.started = true
            defer { state.pendingEndpoints = [] }
            return state.pendingEndpoints
        }
        for endpoint in endpoints { found(endpoint) }
        await cancelWhenGracefulShutdown {
            let (untilCancelled, finish) = AsyncStream<Never>.makeStream()
            await withTaskCancellationHandler {
                for await _ in untilCancelled {}
            } onCancel: {
                finish.finish()
            }
        }
        let tasks = state.withLock { state in
            defer { state.clients = [:] }
            return state.clients.values.map(\.task)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        continuation.finish()
    }

    /// A forwarder to use (configured, or found on mDNS); nothing if already
    /// known — also under another name: two connections of one member to one
    /// forwarder would replace each other's registration without end.
    public func found(_ endpoint: StaticPeer) {
        state.withLock { state in
            guard state.started else {
                if !state.pendingEndpoints.contains(endpoint) { state.pendingEndpoints.append(endpoint) }
                return
            }
            guard state.clients[endpoint] == nil,
                !state.clients.values.contains(where: { $0.client.isConnected(to: endpoint) })
            else { return }
            let client = ForwarderClient(
                endpoint: endpoint, key: team.forwarder, registration: Self.entry(state.record, ports: state.ports, team: team, now: wallClock()),
                delegate: self, logger: logger, wallClock: wallClock)
            state.clients[endpoint] = (client, Task { await client.run() })
        }
        logger.info("using forwarder \(endpoint)")
    }

    /// Every forwarder in use (configured or found on mDNS) and whether it
    /// has accepted this member's registration: `natter doctor`'s view.
    public func registrations() -> [ForwarderView] {
        let (clients, pending) = state.withLock { state in
            (state.clients.mapValues(\.client), state.pendingEndpoints)
        }
        let endpoints = Set(clients.keys).union(pending).sorted { $0.description < $1.description }
        return endpoints.map { endpoint in
            ForwarderView(
                endpoint: endpoint.description, configured: configured.contains(endpoint), registered: clients[endpoint]?.isRegistered ?? false,
                clockDifferenceMilliseconds: clients[endpoint]?.clockDifference)
        }
    }

    /// A forwarder found on mDNS is gone from it: stop using it (unless it is
    /// also configured).
    public func lost(_ endpoint: StaticPeer) {
        guard !configured.contains(endpoint) else { return }
        let task = state.withLock { $0.clients.removeValue(forKey: endpoint)?.task }
        task?.cancel()
    }

    /// This user's status changed: every forwarder lists the new one.
    public func update(status: PresenceStatus) {
        let (clients, entry) = state.withLock { state in
            state.record.status = status
            return (state.clients.values.map(\.client), Self.entry(state.record, ports: state.ports, team: team, now: wallClock()))
        }
        for client in clients { client.reregister(entry) }
    }

    /// What this member registers: its sealed record (sealed now, with the
    /// current time: members keep only the newest per device), ports and addresses.
    static func entry(_ record: DiscoveryRecord, ports: (tcp: UInt16, udp: UInt16), team: TeamSubkeys, now: UInt64) -> DirectoryEntry {
        var record = record
        record.published = max(now, record.published)
        let (keyed, sealed) = record.sealedForForwarder(team: team)
        return DirectoryEntry(
            keyedFingerprint: keyed, addresses: LocalAddresses.ipv4(), tcpPort: ports.tcp, udpPort: ports.udp, sealedRecord: sealed)
    }

    // MARK: RelayDialer

    public func relay(to peer: DeviceFingerprint) async -> Bool {
        let keyed = team.keyedFingerprint(peer.bytes)
        let candidates = state.withLock { $0.clients.values.map(\.client) }.filter { $0.lists(keyed) }
        for client in candidates {
            guard let invitation = await client.requestRelay(to: keyed), let endpoint = client.relayEndpoint else { continue }
            if await join(invitation, to: peer, through: client, at: endpoint) { return true }
        }
        return false
    }

    private func join(
        _ invitation: RelayInvitation, to peer: DeviceFingerprint? = nil, through client: ForwarderClient,
        at endpoint: (host: String, udpPort: UInt16)
    ) async -> Bool {
        let join = RelayJoin(token: invitation.token, route: RelayRoute(host: endpoint.host, udpPort: endpoint.udpPort, index: invitation.datagramIndex))
        return await links.joinRelay(forwarderHost: endpoint.host, port: client.endpoint.port, join: join, initiator: invitation.initiator,
            peer: invitation.initiator ? peer : nil)
    }

    // MARK: ForwarderClientDelegate

    func forwarder(_ client: ForwarderClient, listed entry: DirectoryEntry) {
        guard let record = try? DiscoveryRecord.openForwarderEntry(entry.sealedRecord, keyedFingerprint: entry.keyedFingerprint, team: team)
        else {
            logger.debug("ignored a directory entry that does not open with this team's key", metadata: ["forwarder": "\(client.endpoint)"])
            return
        }
        guard record.fingerprint != fingerprint else { return }
        let fresh = state.withLock { state in
            guard record.published >= state.newest[record.fingerprint] ?? 0 else { return false }
            state.newest[record.fingerprint] = record.published
            return true
        }
        guard fresh else {
            logger.debug("ignored a directory entry older than one already listed", metadata: ["forwarder": "\(client.endpoint)"])
            return
        }
        let peer = DiscoveredPeer(
            key: .device(record.fingerprint), displayName: record.displayName, status: record.status, addresses: entry.addresses,
            tcpPort: entry.tcpPort, udpPort: entry.udpPort, relayable: true)
        state.withLock { $0.devices[entry.keyedFingerprint] = record.fingerprint }
        publish(.appeared(peer), from: client)
    }

    func forwarder(_ client: ForwarderClient, withdrew keyedFingerprint: [UInt8]) {
        guard let device = state.withLock({ $0.devices[keyedFingerprint] }) else { return }
        publish(.disappeared(.device(device)), from: client)
    }

    func forwarder(_ client: ForwarderClient, invited invitation: RelayInvitation) {
        guard let endpoint = client.relayEndpoint else { return }
        Task { _ = await join(invitation, through: client, at: endpoint) }
    }

    private func publish(_ event: DiscoveryEvent, from client: ForwarderClient) {
        let merged = state.withLock { state in
            let merged = state.merger.apply(event, from: client.endpoint.description)
            if case .disappeared(.device(let device))? = merged {
                state.devices[team.keyedFingerprint(device.bytes)] = nil
            }
            return merged
        }
        if let merged { continuation.yield(merged) }
    }
}

/// The forwarders' merged directory as a discovery source.
struct ForwarderDirectorySource: DiscoverySource {
    let events: AsyncStream<DiscoveryEvent>
    var name: String { "forwarders" }

    func run(report: @escaping @Sendable (DiscoveryEvent) async -> Void) async throws {
        for await event in events { await report(event) }
    }
}
