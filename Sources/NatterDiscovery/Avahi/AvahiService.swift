import CAvahi
import Foundation
public import Logging

/// Publishes one DNS-SD service and browses one service type through the
/// system's avahi-daemon (libavahi-client), for any type: natter peers
/// (`_natter._tcp`) and forwarders (`_natter-fwd._tcp`) share this one wrapper
/// and what was learnt the hard way about Avahi.
///
/// Threading: Avahi runs every callback on its threaded-poll thread with the
/// poll's lock held; every other access to Avahi objects and to this class's
/// state takes that same lock. That lock is the invariant behind
/// `@unchecked Sendable`.
///
/// Resilience: the client is created with `AVAHI_CLIENT_NO_FAIL`, so a missing
/// or restarting avahi-daemon is survived: publishing and browsing are rebuilt
/// when it returns.
///
/// Resolvers close once they answer. An open resolver keeps record browsers
/// for the instance's SRV, TXT and address records, and each makes its
/// avahi-daemon query the LAN again and again (continuous querying), every
/// query handled by every avahi-daemon there: with 50 colleagues that was
/// 50 × 49 × 3 browsers, and their avahi-daemons took more CPU than all the
/// natter daemons together (Docs/benchmarks.md, "Scale"). So a TXT record
/// updated in place is not seen again; what changes while linked (the
/// presence status) travels on the link instead (Docs/protocol.md §5.3), and
/// a record that changed without an event is looked up again when a dial to
/// it fails (``resolveAgain(_:)``). A goodbye and a new instance (the daily
/// rename) are seen, through the browser, which stays open.
public final class AvahiService: @unchecked Sendable {
    /// Both families: published and browsed over mDNS on IPv4 and on IPv6,
    /// whichever the avahi-daemon uses (`use-ipv4`, `use-ipv6`); each browse
    /// result is resolved to an address of its own family (Docs/protocol.md §3.1).
    static let anyProtocol = AvahiProtocol(CAvahi.AVAHI_PROTO_UNSPEC)
    static let anyInterface = AvahiIfIndex(CAvahi.AVAHI_IF_UNSPEC)

    /// The service this process announces. The instance name may change on a
    /// name collision (see ``instanceName``).
    public struct Publication: Sendable, Equatable {
        public var type: String
        public var instanceName: String
        public var port: UInt16
        public var txt: [String]

        public init(type: String, instanceName: String, port: UInt16, txt: [String]) {
            self.type = type
            self.instanceName = instanceName
            self.port = port
            self.txt = txt
        }
    }

    /// One resolved instance of the browsed type.
    public struct Sighting: Sendable, Equatable {
        public var instanceName: String
        public var txt: [String]
        /// The address to dial first: ``addresses``' first.
        public var address: String
        /// Every address the instance was resolved to, on every interface and
        /// in both families, in dialling order (``HostAddress/dialOrder(_:)``);
        /// a link-local IPv6 address with its `%interface`.
        public var addresses: [String]
        public var port: UInt16
        /// Published through this host's own avahi-daemon (by another process:
        /// this service's own publication is never reported, see ``Event``).
        public var isLocal: Bool

        public init(instanceName: String, txt: [String], address: String, port: UInt16, isLocal: Bool = false) {
            self.init(instanceName: instanceName, txt: txt, addresses: [address], port: port, isLocal: isLocal)
        }

        public init(instanceName: String, txt: [String], addresses: [String], port: UInt16, isLocal: Bool = false) {
            self.instanceName = instanceName
            self.txt = txt
            self.address = addresses.first ?? ""
            self.addresses = addresses
            self.port = port
            self.isLocal = isLocal
        }
    }

    /// An instance, by name, is first seen, changes (TXT, address, port), or goes away
    /// (goodbye, expiry, or the daemon lost). This service's own publication
    /// is skipped before it is resolved: resolving it sends queries for our own
    /// name, and in the lab that made a squatter holding the name lose it to
    /// us instead of us being renamed (DiscoveryLabTests, 3 runs in 4).
    public enum Event: Sendable, Equatable {
        case found(Sighting)
        case changed(Sighting)
        case lost(instanceName: String)

        /// The instance the event is about.
        public var instanceName: String {
            switch self {
            case .found(let sighting), .changed(let sighting): sighting.instanceName
            case .lost(let instanceName): instanceName
            }
        }
    }

    private var publication: Publication?
    private let browseType: String?
    private let logger: Logger
    private let deliver: @Sendable (Event) -> Void
    private let continuation: AsyncStream<Event>.Continuation
    /// Sightings of the browsed type, for a single consumer. Empty when built
    /// with an `observe` closure.
    public let events: AsyncStream<Event>

    private var poll: OpaquePointer?
    private var client: OpaquePointer?
    private var group: OpaquePointer?
    private var browser: OpaquePointer?
    private var reconnectTimeout: OpaquePointer?
    private var instances: [String: Instance] = [:]
    private var warnedUnavailable = false
    private let quietWhenUnavailable: Bool
    private var registered: (@Sendable () -> Void)?

    private struct InstanceKey: Hashable {
        let interface: Int32
        let proto: Int32
    }

    /// One instance name as seen per interface and protocol; reported once.
    private struct Instance {
        var resolvers: [InstanceKey: OpaquePointer] = [:]
        /// Resolved, their resolvers closed: the browser's REMOVE still ends them.
        var answered: Set<InstanceKey> = []
        /// The domain the browser reported the instance in (to resolve it again).
        var domain = "local"
        var local: Set<InstanceKey> = []
        var sightings: [InstanceKey: Sighting] = [:]
        var reported: Sighting?
    }

    /// `publication` nil: browse only (a member looking for forwarders).
    /// `browseType` nil: publish only (a forwarder).
    public convenience init(publication: Publication?, browseType: String?, logger: Logger) {
        self.init(publication: publication, browseType: browseType, logger: logger, observe: nil)
    }

    /// With `observe`, events go to that closure instead of ``events``: it runs
    /// on the Avahi thread with the poll lock held, so it must not call back
    /// into this object. Layers that translate sightings (``AvahiDiscovery``,
    /// ``ForwarderBrowser``) use it to keep their own counts exact and in order.
    /// `quietWhenUnavailable`: a missing avahi-daemon is logged at trace level
    /// only, for a second service in a process whose first one already says
    /// it (a member's forwarder browser beside its own discovery: one clear line, not two).
    init(
        publication: Publication?, browseType: String?, logger: Logger, quietWhenUnavailable: Bool = false,
        observe: (@Sendable (Event) -> Void)?
    ) {
        self.publication = publication
        self.browseType = browseType
        self.logger = logger
        self.quietWhenUnavailable = quietWhenUnavailable
        (events, continuation) = AsyncStream<Event>.makeStream()
        if let observe {
            continuation.finish()
            deliver = observe
        } else {
            deliver = { [continuation] in continuation.yield($0) }
        }
    }

    /// The name currently published: the requested one, or Avahi's
    /// alternative ("name #2") after a collision.
    public var instanceName: String? { withLock { publication?.instanceName } }

    /// Called (on the Avahi thread) each time the publication is established; the lab's timing hook.
    public var onRegistered: (@Sendable () -> Void)? {
        get { withLock { registered } }
        set { withLock { registered = newValue } }
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
            Unmanaged<AvahiService>.fromOpaque(context).takeUnretainedValue().clientChanged(client, state)
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
            Unmanaged<AvahiService>.fromOpaque(context).takeUnretainedValue().reconnect()
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

    /// Replaces the published TXT strings in place (Avahi announces the change;
    /// receivers that keep resolvers open — natter before presence went on
    /// the link — see it without a goodbye; the others' caches take it).
    public func update(txt: [String]) {
        withLock {
            guard var publication else { return }
            publication.txt = txt
            self.publication = publication
            guard let group else { return }
            let list = Self.txtList(txt)
            defer { avahi_string_list_free(list) }
            let result = avahi_entry_group_update_service_txt_strlst(
                group, Self.anyInterface, Self.anyProtocol, AvahiPublishFlags(0), publication.instanceName, publication.type, nil, list)
            if result < 0 { logger.warning("could not update the mDNS record: \(String(cString: avahi_strerror(result)))") }
        }
    }

    /// Publishes under a new instance name (natter's record at an epoch
    /// boundary): Avahi cannot rename a committed service, so the entry
    /// group is reset (a goodbye for the old name) and the service added
    /// again and committed (probed, then announced, in about a second).
    public func republish(instanceName: String, txt: [String]) {
        withLock {
            guard var publication else { return }
            publication.instanceName = instanceName
            publication.txt = txt
            self.publication = publication
            guard let group, let client else { return }
            avahi_entry_group_reset(group)
            register(client)
        }
    }

    /// Withdraws the publication (an mDNS goodbye) and stops; every instance
    /// still reported is reported lost.
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

    // MARK: Avahi callbacks (on the poll thread, lock held)

    private func clientChanged(_ client: OpaquePointer?, _ state: AvahiClientState) {
        switch state {
        case AVAHI_CLIENT_S_RUNNING:
            if warnedUnavailable && !quietWhenUnavailable { logger.notice("avahi-daemon is available again; publishing and browsing") }
            warnedUnavailable = false
            register(client)
            browse(client)
        case AVAHI_CLIENT_S_COLLISION, AVAHI_CLIENT_S_REGISTERING:
            if let group { avahi_entry_group_reset(group) }
        case AVAHI_CLIENT_CONNECTING, AVAHI_CLIENT_FAILURE:
            if !warnedUnavailable {
                let problem = "\(DiscoveryError.daemonUnavailable("no answer on the system bus"))"
                if quietWhenUnavailable { logger.trace("\(problem)") } else { logger.error("\(problem)") }
                warnedUnavailable = true
            }
            freeAll()
            if state == AVAHI_CLIENT_FAILURE { scheduleReconnect() }
        default:
            break
        }
    }

    private func register(_ client: OpaquePointer?) {
        guard publication != nil else { return }
        if group == nil {
            let context = Unmanaged.passUnretained(self).toOpaque()
            group = avahi_entry_group_new(client, { group, state, context in
                guard let context else { return }
                Unmanaged<AvahiService>.fromOpaque(context).takeUnretainedValue().groupChanged(group, state)
            }, context)
        }
        guard let group, avahi_entry_group_is_empty(group) != 0 else { return }
        var result = addService(to: group)
        if result == AVAHI_ERR_COLLISION {
            renameAfterCollision()
            result = addService(to: group)
        }
        if result >= 0 { result = avahi_entry_group_commit(group) }
        if result < 0 { logger.error("could not publish the mDNS record: \(String(cString: avahi_strerror(result)))") }
    }

    private func addService(to group: OpaquePointer) -> Int32 {
        guard let publication else { return Int32(AVAHI_ERR_INVALID_OBJECT) }
        let list = Self.txtList(publication.txt)
        defer { avahi_string_list_free(list) }
        return avahi_entry_group_add_service_strlst(
            group, Self.anyInterface, Self.anyProtocol, AvahiPublishFlags(0), publication.instanceName, publication.type, nil, nil,
            publication.port, list)
    }

    private func groupChanged(_ group: OpaquePointer?, _ state: AvahiEntryGroupState) {
        switch state {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            logger.info("published on mDNS", metadata: ["service": "\(publication?.instanceName ?? "")"])
            registered?()
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
        guard let current = publication?.instanceName, let alternative = avahi_alternative_service_name(current) else { return }
        let next = String(cString: alternative)
        avahi_free(alternative)
        logger.notice("mDNS name collision; renamed", metadata: ["from": "\(current)", "to": "\(next)"])
        publication?.instanceName = next
    }

    private func browse(_ client: OpaquePointer?) {
        guard browser == nil, let browseType else { return }
        let context = Unmanaged.passUnretained(self).toOpaque()
        browser = avahi_service_browser_new(
            client, Self.anyInterface, Self.anyProtocol, browseType, nil, AvahiLookupFlags(0),
            { _, interface, proto, event, name, _, domain, flags, context in
                guard let context, let name else { return }
                Unmanaged<AvahiService>.fromOpaque(context).takeUnretainedValue()
                    .browsed(event, interface: interface, proto: proto, name: String(cString: name), domain: domain, flags: flags)
            }, context)
        if browser == nil { logger.error("could not browse mDNS: \(String(cString: avahi_strerror(avahi_client_errno(client))))") }
    }

    private func browsed(_ event: AvahiBrowserEvent, interface: AvahiIfIndex, proto: AvahiProtocol, name: String, domain: UnsafePointer<CChar>?, flags: AvahiLookupResultFlags) {
        let key = InstanceKey(interface: interface, proto: proto)
        switch event {
        case AVAHI_BROWSER_NEW:
            let local = (flags.rawValue & AVAHI_LOOKUP_RESULT_LOCAL.rawValue) != 0
            if local && name == publication?.instanceName && browseType == publication?.type { return }
            guard instances[name]?.resolvers[key] == nil, instances[name]?.answered.contains(key) != true else { return }
            let domainName = domain.map { String(cString: $0) } ?? "local"
            guard let resolver = resolve(name, key: key, domain: domainName) else { return }
            instances[name, default: Instance()].resolvers[key] = resolver
            instances[name]?.domain = domainName
            // LOCAL is only given on BROWSER_NEW: remembered for the resolver's answers.
            if local { instances[name]?.local.insert(key) }
        case AVAHI_BROWSER_REMOVE:
            guard var instance = instances[name] else { return }
            if let resolver = instance.resolvers.removeValue(forKey: key) { avahi_service_resolver_free(resolver) }
            instance.answered.remove(key)
            instance.local.remove(key)
            instance.sightings[key] = nil
            instances[name] = instance
            reconcile(name)
        default:
            break
        }
    }

    /// A resolver for `name` on one interface and family, resolved to an
    /// address of the family the record came over: an instance seen on both
    /// is resolved twice, once to each family. Called with the poll's lock held.
    private func resolve(_ name: String, key: InstanceKey, domain: String) -> OpaquePointer? {
        guard let browseType else { return nil }
        let context = Unmanaged.passUnretained(self).toOpaque()
        return avahi_service_resolver_new(
            client, key.interface, key.proto, name, browseType, domain, key.proto, AvahiLookupFlags(0),
            { resolver, interface, proto, event, name, _, _, _, address, port, txt, _, context in
                guard let context, let name else { return }
                Unmanaged<AvahiService>.fromOpaque(context).takeUnretainedValue()
                    .resolved(event, key: InstanceKey(interface: interface, proto: proto), name: String(cString: name), address: address, port: port, txt: txt)
            }, context)
    }

    /// Resolves `instanceName` again, on every interface and family it was
    /// answered on: resolvers close once they answer, so an instance that
    /// came back at once (a restart within the goodbye's second, which Avahi
    /// folds into no event at all) may hold a port or address that is gone.
    /// natter asks when a dial to what the resolver said has failed; the new
    /// answer, from the avahi-daemon's cache, comes as `.changed` if it differs.
    public func resolveAgain(_ instanceName: String) {
        withLock {
            guard var instance = instances[instanceName] else { return }
            for key in instance.answered {
                guard let resolver = resolve(instanceName, key: key, domain: instance.domain) else { continue }
                instance.answered.remove(key)
                instance.resolvers[key] = resolver
            }
            instances[instanceName] = instance
        }
    }

    private func resolved(_ event: AvahiResolverEvent, key: InstanceKey, name: String, address: UnsafePointer<AvahiAddress>?, port: UInt16, txt: UnsafeMutablePointer<AvahiStringList>?) {
        guard var instance = instances[name] else { return }
        if event == AVAHI_RESOLVER_FOUND, let address {
            var buffer = [CChar](repeating: 0, count: Int(AVAHI_ADDRESS_STR_MAX))
            avahi_address_snprint(&buffer, buffer.count, address)
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // Avahi gives the interface beside the address: a link-local one needs it as its scope.
            let dialable = HostAddress.scoped(text, interfaceName: HostAddress.interfaceName(index: key.interface))
            instance.sightings[key] = Sighting(
                instanceName: name, txt: Self.strings(txt), address: dialable, port: port, isLocal: instance.local.contains(key))
            if let resolver = instance.resolvers.removeValue(forKey: key) { avahi_service_resolver_free(resolver) }
            instance.answered.insert(key)
        } else {
            instance.sightings[key] = nil
        }
        instances[name] = instance
        reconcile(name)
    }

    /// Turns an instance's per-interface, per-family view into found / changed / lost.
    private func reconcile(_ name: String) {
        guard var instance = instances[name] else { return }
        let current = Self.merged(Array(instance.sightings.values))
        switch (instance.reported, current) {
        case (nil, let sighting?):
            deliver(.found(sighting))
        case (let old?, let sighting?) where old != sighting:
            deliver(.changed(sighting))
        case (_?, nil):
            deliver(.lost(instanceName: name))
        default:
            break
        }
        instance.reported = current
        if instance.resolvers.isEmpty && instance.answered.isEmpty {
            instances[name] = nil
        } else {
            instances[name] = instance
        }
    }

    /// One sighting of an instance from its resolutions (one per interface
    /// and family): every address, in dialling order; the record and port of
    /// the resolution whose address comes first, so the same resolutions
    /// give the same answer whatever order Avahi delivered them in.
    static func merged(_ resolutions: [Sighting]) -> Sighting? {
        let ordered = resolutions.sorted { $0.address < $1.address }
        let addresses = HostAddress.dialOrder(ordered.map(\.address))
        guard let first = addresses.first, let speaker = ordered.first(where: { HostAddress.normalised($0.address) == first }) else { return nil }
        return Sighting(
            instanceName: speaker.instanceName, txt: speaker.txt, addresses: addresses, port: speaker.port,
            isLocal: resolutions.contains(where: \.isLocal))
    }

    // MARK: Plumbing

    private static func txtList(_ strings: [String]) -> UnsafeMutablePointer<AvahiStringList>? {
        var list: UnsafeMutablePointer<AvahiStringList>?
        for entry in strings.reversed() {
            list = avahi_string_list_add(list, entry)
        }
        return list
    }

    private static func strings(_ txt: UnsafeMutablePointer<AvahiStringList>?) -> [String] {
        var strings: [String] = []
        var item = txt
        while let current = item {
            if let text = avahi_string_list_get_text(current) {
                strings.append(String(decoding: UnsafeBufferPointer(start: text, count: avahi_string_list_get_size(current)), as: UTF8.self))
            }
            item = avahi_string_list_get_next(current)
        }
        return strings
    }

    /// Frees browsers, resolvers and the group (daemon gone or stopping); instances seen through them are lost.
    private func freeAll() {
        for (name, instance) in instances {
            instance.resolvers.values.forEach { avahi_service_resolver_free($0) }
            if instance.reported != nil { deliver(.lost(instanceName: name)) }
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
