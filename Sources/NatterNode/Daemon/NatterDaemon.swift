import Foundation
public import Logging
public import NatterCore
import NatterWire

/// The running peer: joins discovery, links, the store and the session-state
/// engines, and answers the local API.
///
/// An actor, so all of its state changes one event at a time; everything slow
/// (SQLite, sockets) sits behind `MessageStore` and `PeerLinks`. Frames leave
/// through one ordered queue, so a colleague receives messages and state
/// events in the order this daemon decided them.
public actor NatterDaemon {
    let identity: DaemonIdentity
    var config: NatterConfig
    let store: MessageStore
    let links: any PeerLinks
    let pins: PinStore
    let events = EventHub()
    let logger: Logger
    let clock = ContinuousClock()

    var sequences: SequenceAllocator
    var presence: String
    var shareState: Bool
    /// Colleagues with an authenticated link now: the only ones with session state.
    var linked: Set<DeviceFingerprint> = []
    /// The address each link came from, to tell which static peers are linked.
    var linkHosts: [DeviceFingerprint: String] = [:]
    /// Colleagues announced by discovery (mDNS), with where to reach them.
    var discovered: [DeviceFingerprint: DiscoveredColleague] = [:]
    var names: [DeviceFingerprint: String] = [:]
    var overrides: [DeviceFingerprint: Bool] = [:]
    var sessionStates: SessionStateHub
    /// Told when the presence status changes, so discovery republishes it.
    var presenceChanged: (@Sendable (String) -> Void)?
    /// The ports the link layer listens on, for the API's status.
    var linkPorts: (tcp: Int, udp: Int) = (0, 0)
    var timer: Task<Void, Never>?
    var timerDeadline: ContinuousClock.Instant?
    var dialAttempts: [DeviceFingerprint: DialBackoff] = [:]

    /// Where a discovered colleague can be dialled.
    struct DiscoveredColleague: Sendable {
        var name: String
        var status: String
        var addresses: [String]
        var port: UInt16
    }

    static let sequenceKey = "sequence.reservedEnd"
    static let shareStateKey = "privacy.shareState"
    static let presenceKey = "presence.status"

    public init(identity: DaemonIdentity, config: NatterConfig, store: MessageStore, links: any PeerLinks, pins: PinStore, logger: Logger) throws(StoreError) {
        self.identity = identity
        self.config = config
        self.store = store
        self.links = links
        self.pins = pins
        self.logger = logger
        sequences = SequenceAllocator(persistedEnd: UInt64(try store.setting(Self.sequenceKey) ?? "0") ?? 0)
        presence = try store.setting(Self.presenceKey) ?? "available"
        shareState = (try store.setting(Self.shareStateKey) ?? "on") == "on"
        for peer in try store.knownPeers() {
            names[peer.fingerprint] = peer.displayName.isEmpty ? nil : peer.displayName
            if let share = peer.shareState { overrides[peer.fingerprint] = share }
        }
        sessionStates = SessionStateHub(timings: config.timings, language: config.language)
    }

    /// Runs until cancelled: consumes link events, dials and resends on a calm
    /// maintenance tick, and drives the timers. On cancellation, closes every
    /// window (so colleagues see the final state) and checkpoints the store.
    public func run() async {
        applyPolicy()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consumeLinkEvents() }
            group.addTask {
                // Dial static peers and colleagues with queued messages, and
                // retry unacknowledged messages, at a calm pace.
                while !Task.isCancelled {
                    await self.maintenance()
                    try? await Task.sleep(for: DaemonTimings.maintenanceInterval)
                }
            }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {}
            group.cancelAll()
        }
        await shutDown()
    }

    /// Connects the daemon to discovery's record and the link's ports; call before ``run()``.
    public func configure(linkPorts: (tcp: Int, udp: Int), presenceChanged: (@Sendable (String) -> Void)?) {
        self.linkPorts = linkPorts
        self.presenceChanged = presenceChanged
    }

    /// The presence status to publish at start.
    public var presenceStatus: String { presence }

    /// The event stream for the API: every message, receipt, state change and colleague change.
    func subscribe() -> (stream: AsyncStream<String>, cancel: @Sendable () -> Void) {
        events.subscribe()
    }

    func shutDown() async {
        let now = clock.now
        for window in sessionStates.windowIDs {
            emit(sessionStates.closeWindow(window, at: now))
        }
        timer?.cancel()
        events.finishAll()
        do {
            try store.checkpoint()
        } catch {
            logger.error("could not flush the message store at shutdown", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Helpers shared by the extensions

    func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    func nextSequence() -> UInt64 {
        let (sequence, reservation) = sequences.allocate()
        if let reservation {
            do {
                try store.setSetting(Self.sequenceKey, to: String(reservation))
            } catch {
                // Without a persisted reservation a restart could reuse numbers,
                // letting an old state outrank a new message; say so loudly.
                logger.critical("could not persist the sequence reservation", metadata: ["error": "\(error)"])
            }
        }
        return sequence
    }

    func name(of peer: DeviceFingerprint) -> String {
        discovered[peer]?.name ?? names[peer] ?? String(peer.compact.prefix(8))
    }

    func candidates() -> [PeerResolver.Candidate] {
        var all = Set(names.keys).union(discovered.keys).union(linked)
        all.remove(identity.fingerprint)
        return all.map { PeerResolver.Candidate(fingerprint: $0, name: name(of: $0)) }
    }

    func resolve(_ query: String) throws(APIFailure) -> DeviceFingerprint {
        switch PeerResolver.resolve(query, among: candidates()) {
        case .success(let candidate): return candidate.fingerprint
        case .failure(let failure): throw APIFailure(failure)
        }
    }

    func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool = false) {
        links.send(frame, to: peer, preferDatagram: preferDatagram)
    }

    /// Link events, handled on the actor as they come: iterating here rather
    /// than in a detached task saves a hop per event (the profile's largest
    /// cost was thread switches).
    private func consumeLinkEvents() async {
        for await event in links.events { handle(event) }
    }
}

/// Periods of the daemon's own housekeeping; link and engine timers live with them.
enum DaemonTimings {
    /// How often to dial static peers and colleagues with queued messages, and
    /// to resend messages not acknowledged on a live link. Short enough that a
    /// colleague who comes back gets their messages promptly; long enough to be
    /// invisible in CPU and wake-ups.
    static let maintenanceInterval: Duration = .seconds(2)
    /// A message sent on a live link but not acknowledged after this long is
    /// sent again (the receiver drops the duplicate by id).
    static let resendAfterMilliseconds: UInt64 = 5_000
}
