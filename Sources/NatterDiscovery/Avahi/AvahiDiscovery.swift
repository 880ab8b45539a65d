import CAvahi
import Foundation
public import Logging
public import NatterCore
public import NatterWire

/// Publishes this peer as `_natter._tcp` and browses for team members, through
/// the system's avahi-daemon (libavahi-client).
///
/// Threading: Avahi runs every callback on its threaded-poll thread with the
/// poll's lock held; every other access to Avahi objects and to this class's
/// state takes that same lock. That lock is the invariant behind
/// `@unchecked Sendable`.
///
/// Resilience: the client is created with `AVAHI_CLIENT_NO_FAIL`, so a missing
/// or restarting avahi-daemon is survived: publishing and browsing are rebuilt
/// when it returns. Resolvers are kept open so TXT updates (name, status)
/// arrive as `.updated` events (Avahi's documented way to track changes).
public final class AvahiDiscovery: @unchecked Sendable {
    public static let serviceType = "_natter._tcp"
    /// IPv4 only: the lab and typical office LANs; IPv6 link-local adds little and doubles events.
    static let inet = AvahiProtocol(CAvahi.AVAHI_PROTO_INET)
    static let anyInterface = AvahiIfIndex(CAvahi.AVAHI_IF_UNSPEC)

    private let team: TeamSubkeys
    private let fingerprint: DeviceFingerprint
    private var record: DiscoveryRecord
    private var tcpPort: UInt16
    private let logger: Logger
    private let continuation: AsyncStream<DiscoveryEvent>.Continuation
    /// Discovery events, for a single consumer (the daemon).
    public let events: AsyncStream<DiscoveryEvent>

    private var poll: OpaquePointer?
    private var client: OpaquePointer?
    private var group: OpaquePointer?
    private var browser: OpaquePointer?
    private var reconnectTimeout: OpaquePointer?
    private var serviceName: String
    private var instances: [String: Instance] = [:]
    private var warnedUnavailable = false
    private var rejected = 0
    /// Called (on the Avahi thread) when the record is registered; the lab's timing hook.
    public var onRegistered: (@Sendable () -> Void)?

    private struct InstanceKey: Hashable {
        let interface: Int32
        let proto: Int32
    }

    private struct Instance {
        var resolvers: [InstanceKey: OpaquePointer] = [:]
        var peers: [InstanceKey: DiscoveredPeer] = [:]
        var reported: DiscoveredPeer?
    }

    public init(team: TeamKey, fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus, tcpPort: UInt16, udpPort: UInt16, logger: Logger) {
        self.team = team.subkeys
        self.fingerprint = fingerprint
        record = DiscoveryRecord(fingerprint: fingerprint, displayName: displayName, status: status, udpPort: udpPort)
        self.tcpPort = tcpPort
        self.logger = logger
        serviceName = DiscoveryRecord.instanceName(fingerprint: fingerprint, team: team.subkeys)
        (events, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
    }

    /// Starts the Avahi thread. Throws only if Avahi cannot even be set up;
    /// a daemon that is not running is logged once (with the fix) and waited for.
    public func start() throws(DiscoveryError) {
        guard let poll = avahi_threaded_poll_new() else { throw .daemonUnavailable("cannot create the Avahi poll") }
        self.poll = poll
        avahi_threaded_poll_lock(poll)
        let error = makeClient()
        avahi_threaded_poll_unlock(poll)
        guard client != nil else {
            throw .daemonUnavailable(String(cString: avahi_strerror(error)))
        }
        avahi_threaded_poll_start(poll)
    }

    /// A client that waits for the daemon rather than failing (NO_FAIL).
    /// Called with the poll lock held; returns Avahi's error code.
    private func makeClient() -> Int32 {
        guard let poll else { return Int32(AVAHI_ERR_INVALID_OBJECT) }
        var error: Int32 = 0
        let context = Unmanaged.passUnretained(self).toOpaque()
        client = avahi_client_new(avahi_threaded_poll_get(poll), AVAHI_CLIENT_NO_FAIL, { client, state, context in
            guard let context else { return }
            Unmanaged<AvahiDiscovery>.fromOpaque(context).takeUnretainedValue().clientChanged(client, state)
        }, context, &error)
        return error
    }

    /// Even with NO_FAIL, a client whose daemon went away ends in FAILURE
    /// (AVAHI_ERR_DISCONNECTED) and never recovers: it must be replaced. Not
    /// from inside its own callback — the replacement runs from a zero-delay
    /// timeout on the same poll thread.
    private func scheduleReconnect() {
        guard let poll, let api = avahi_threaded_poll_get(poll) else { return }
        var now = timeval()
        gettimeofday(&now, nil)
        if let reconnectTimeout {
            api.pointee.timeout_update(reconnectTimeout, &now)
            return
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        reconnectTimeout = api.pointee.timeout_new(api, &now, { timeout, context in
            guard let context else { return }
            Unmanaged<AvahiDiscovery>.fromOpaque(context).takeUnretainedValue().reconnect()
        }, context)
    }

    private func reconnect() {
        if let poll, let api = avahi_threaded_poll_get(poll), let reconnectTimeout {
            api.pointee.timeout_update(reconnectTimeout, nil)
        }
        if let client { avahi_client_free(client) }
        client = nil
        logger.debug("replacing the Avahi client after the daemon went away")
        let error = makeClient()
        if client == nil { logger.error("could not recreate the Avahi client: \(String(cString: avahi_strerror(error)))") }
    }

    /// Updates the TXT record in place (name or status changed).
    public func update(displayName: String? = nil, status: PresenceStatus? = nil) {
        withLock {
            if let displayName { record.displayName = displayName }
            if let status { record.status = status }
            guard let group else { return }
            let list = txtList()
            defer { avahi_string_list_free(list) }
            let result = avahi_entry_group_update_service_txt_strlst(
                group, Self.anyInterface, Self.inet, AvahiPublishFlags(0), serviceName, Self.serviceType, nil, list)
            if result < 0 { logger.warning("could not update the mDNS record: \(String(cString: avahi_strerror(result)))") }
        }
    }

    /// Withdraws the record (an mDNS goodbye) and stops.
    public func stop() {
        guard let poll else { return }
        avahi_threaded_poll_stop(poll)
        freeAll()
        if let reconnectTimeout, let api = avahi_threaded_poll_get(poll) { api.pointee.timeout_free(reconnectTimeout) }
        reconnectTimeout = nil
        if let client { avahi_client_free(client) }
        client = nil
        avahi_threaded_poll_free(poll)
        self.poll = nil
        continuation.finish()
    }

    /// Records from the network that were ignored (other teams, malformed, tampered).
    public var rejectedRecords: Int { withLock { rejected } }

    // MARK: Avahi callbacks (on the poll thread, lock held)

    private func clientChanged(_ client: OpaquePointer?, _ state: AvahiClientState) {
        switch state {
        case AVAHI_CLIENT_S_RUNNING:
            if warnedUnavailable { logger.notice("avahi-daemon is available again; publishing and browsing") }
            warnedUnavailable = false
            register(client)
            browse(client)
        case AVAHI_CLIENT_S_COLLISION, AVAHI_CLIENT_S_REGISTERING:
            if let group { avahi_entry_group_reset(group) }
        case AVAHI_CLIENT_CONNECTING, AVAHI_CLIENT_FAILURE:
            if !warnedUnavailable {
                logger.error("\(DiscoveryError.daemonUnavailable("no answer on the system bus"))")
                warnedUnavailable = true
            }
            freeAll()
            if state == AVAHI_CLIENT_FAILURE { scheduleReconnect() }
        default:
            break
        }
    }

    private func register(_ client: OpaquePointer?) {
        if group == nil {
            let context = Unmanaged.passUnretained(self).toOpaque()
            group = avahi_entry_group_new(client, { group, state, context in
                guard let context else { return }
                Unmanaged<AvahiDiscovery>.fromOpaque(context).takeUnretainedValue().groupChanged(group, state)
            }, context)
        }
        guard let group, avahi_entry_group_is_empty(group) != 0 else { return }
        let list = txtList()
        defer { avahi_string_list_free(list) }
        var result = avahi_entry_group_add_service_strlst(
            group, Self.anyInterface, Self.inet, AvahiPublishFlags(0), serviceName, Self.serviceType, nil, nil, tcpPort, list)
        if result == AVAHI_ERR_COLLISION {
            renameAfterCollision()
            result = avahi_entry_group_add_service_strlst(
                group, Self.anyInterface, Self.inet, AvahiPublishFlags(0), serviceName, Self.serviceType, nil, nil, tcpPort, list)
        }
        if result >= 0 { result = avahi_entry_group_commit(group) }
        if result < 0 { logger.error("could not publish the mDNS record: \(String(cString: avahi_strerror(result)))") }
    }

    private func groupChanged(_ group: OpaquePointer?, _ state: AvahiEntryGroupState) {
        switch state {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            logger.info("published on mDNS", metadata: ["service": "\(serviceName)"])
            onRegistered?()
        case AVAHI_ENTRY_GROUP_COLLISION:
            renameAfterCollision()
            if let group { avahi_entry_group_reset(group) }
            register(client)
        case AVAHI_ENTRY_GROUP_FAILURE:
            logger.error("the mDNS record failed: \(String(cString: avahi_strerror(avahi_client_errno(client))))")
        default:
            break
        }
    }

    private func renameAfterCollision() {
        guard let alternative = avahi_alternative_service_name(serviceName) else { return }
        let next = String(cString: alternative)
        avahi_free(alternative)
        logger.notice("mDNS name collision; renamed", metadata: ["from": "\(serviceName)", "to": "\(next)"])
        serviceName = next
    }

    private func browse(_ client: OpaquePointer?) {
        guard browser == nil else { return }
        let context = Unmanaged.passUnretained(self).toOpaque()
        browser = avahi_service_browser_new(
            client, Self.anyInterface, Self.inet, Self.serviceType, nil, AvahiLookupFlags(0),
            { _, interface, proto, event, name, _, domain, flags, context in
                guard let context, let name else { return }
                Unmanaged<AvahiDiscovery>.fromOpaque(context).takeUnretainedValue()
                    .browsed(event, interface: interface, proto: proto, name: String(cString: name), domain: domain, flags: flags)
            }, context)
        if browser == nil { logger.error("could not browse mDNS: \(String(cString: avahi_strerror(avahi_client_errno(client))))") }
    }

    private func browsed(_ event: AvahiBrowserEvent, interface: AvahiIfIndex, proto: AvahiProtocol, name: String, domain: UnsafePointer<CChar>?, flags: AvahiLookupResultFlags) {
        let key = InstanceKey(interface: interface, proto: proto)
        switch event {
        case AVAHI_BROWSER_NEW:
            if name == serviceName && (flags.rawValue & AVAHI_LOOKUP_RESULT_LOCAL.rawValue) != 0 { return }
            guard instances[name]?.resolvers[key] == nil else { return }
            let context = Unmanaged.passUnretained(self).toOpaque()
            let resolver = avahi_service_resolver_new(
                client, interface, proto, name, Self.serviceType, domain, Self.inet, AvahiLookupFlags(0),
                { resolver, interface, proto, event, name, _, _, _, address, port, txt, _, context in
                    guard let context, let name else { return }
                    Unmanaged<AvahiDiscovery>.fromOpaque(context).takeUnretainedValue()
                        .resolved(event, key: InstanceKey(interface: interface, proto: proto), name: String(cString: name), address: address, port: port, txt: txt)
                }, context)
            guard let resolver else { return }
            instances[name, default: Instance()].resolvers[key] = resolver
        case AVAHI_BROWSER_REMOVE:
            guard var instance = instances[name] else { return }
            if let resolver = instance.resolvers.removeValue(forKey: key) { avahi_service_resolver_free(resolver) }
            instance.peers[key] = nil
            instances[name] = instance
            reconcile(name)
        default:
            break
        }
    }

    private func resolved(_ event: AvahiResolverEvent, key: InstanceKey, name: String, address: UnsafePointer<AvahiAddress>?, port: UInt16, txt: UnsafeMutablePointer<AvahiStringList>?) {
        guard var instance = instances[name] else { return }
        guard event == AVAHI_RESOLVER_FOUND, let address else {
            instance.peers[key] = nil
            instances[name] = instance
            reconcile(name)
            return
        }
        var strings: [String] = []
        var item = txt
        while let current = item {
            if let text = avahi_string_list_get_text(current) {
                strings.append(String(decoding: UnsafeBufferPointer(start: text, count: avahi_string_list_get_size(current)), as: UTF8.self))
            }
            item = avahi_string_list_get_next(current)
        }
        do {
            let record = try DiscoveryRecord.decode(strings, team: team)
            guard record.fingerprint != fingerprint else { return }
            var buffer = [CChar](repeating: 0, count: Int(AVAHI_ADDRESS_STR_MAX))
            avahi_address_snprint(&buffer, buffer.count, address)
            instance.peers[key] = DiscoveredPeer(
                key: .device(record.fingerprint), displayName: record.displayName, status: record.status,
                addresses: [String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)], tcpPort: port, udpPort: record.udpPort)
        } catch {
            if instance.peers[key] != nil || instance.reported == nil { rejected += 1 }
            logger.debug("ignored an mDNS record", metadata: ["service": "\(name)", "reason": "\(error)"])
            instance.peers[key] = nil
        }
        instances[name] = instance
        reconcile(name)
    }

    /// Turns an instance's per-interface view into appeared / updated / disappeared.
    private func reconcile(_ name: String) {
        guard var instance = instances[name] else { return }
        let current = instance.peers.values.first
        switch (instance.reported, current) {
        case (nil, let peer?):
            continuation.yield(.appeared(peer))
        case (let old?, let peer?) where old != peer:
            if old.key != peer.key { continuation.yield(.disappeared(old.key)) }
            continuation.yield(old.key == peer.key ? .updated(peer) : .appeared(peer))
        case (let old?, nil):
            continuation.yield(.disappeared(old.key))
        default:
            break
        }
        instance.reported = current
        if instance.resolvers.isEmpty {
            instances[name] = nil
        } else {
            instances[name] = instance
        }
    }

    // MARK: Plumbing

    private func txtList() -> UnsafeMutablePointer<AvahiStringList>? {
        var list: UnsafeMutablePointer<AvahiStringList>?
        for entry in record.encode(team: team).reversed() {
            list = avahi_string_list_add(list, entry)
        }
        return list
    }

    /// Frees browsers, resolvers and the group (daemon gone or stopping); colleagues seen through them disappear.
    private func freeAll() {
        for (name, instance) in instances {
            instance.resolvers.values.forEach { avahi_service_resolver_free($0) }
            if let reported = instance.reported { continuation.yield(.disappeared(reported.key)) }
            instances[name] = nil
        }
        if let browser { avahi_service_browser_free(browser) }
        browser = nil
        if let group { avahi_entry_group_free(group) }
        group = nil
    }

    private func withLock<T>(_ body: () -> T) -> T {
        guard let poll else { return body() }
        avahi_threaded_poll_lock(poll)
        defer { avahi_threaded_poll_unlock(poll) }
        return body()
    }
}
