public import Logging
public import NatterAPI
public import NatterCore
public import NIOCore
public import NIOPosix
import NatterDiscovery
import NatterWire

/// The running peer: joins discovery, links, the store and the session-state
/// engines, and answers the local API.
///
/// An actor, so its state changes one event at a time. It decides little
/// itself: who is who lives in ``ColleagueDirectory``, whom to dial in
/// ``DialScheduler``, what colleagues see in `SessionStateHub` (three pure
/// values), and trust in ``PinStore``; it asks them and acts on the answers
/// (sockets, the store, the event stream). Frames go straight to
/// the link in the order decided here (see ``PeerLinks/send(_:to:preferDatagram:)``).
///
/// It runs on an event loop, the links' own in `natter up` (which gives NIO
/// one thread), and takes link events there as they are read: a message is
/// read, stored and acknowledged on one thread, without a hand-off between
/// threads (Docs/architecture.md, "Threads and tasks").
public actor NatterDaemon {
    let identity: DaemonIdentity
    let config: NatterConfig
    let store: MessageStore
    let links: any PeerLinks
    /// The forwarders, when any are configured or found: links of last resort.
    let relays: (any RelayDialer)?
    let pins: PinStore
    let clock: any DaemonClock
    let events = EventHub()
    let logger: Logger
    /// Where the actor runs (see the type's comment).
    private nonisolated let loop: any EventLoop
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    var sequences: SequenceAllocator
    var presence: PresenceStatus
    var shareState: Bool
    var directory: ColleagueDirectory
    /// How loudly each name conflict has been reported in this run.
    var conflictReports = ConflictReports()
    var sightings = SightingMerger()
    var dialling: DialScheduler
    var sessionStates: SessionStateHub
    /// Groups: memberships, the hybrid clock, members' states (`NatterDaemon+Groups.swift`).
    var groups: DaemonGroups
    /// Told every change of the presence status, so discovery republishes it.
    let presenceChanged: @Sendable (PresenceStatus) -> Void
    /// Asked to look a colleague up again on mDNS after a dial to where it was seen failed.
    let resolveAgain: @Sendable (DeviceFingerprint) -> Void
    /// The ports the link layer listens on, for the API's status.
    let linkPorts: (tcp: Int, udp: Int)
    var timer: Task<Void, Never>?
    /// When `timer` fires (`EngineTimer`: it is set again only for an earlier deadline).
    var engineTimer = EngineTimer()
    /// The desktop's idle sources this machine could offer (`IdleSources.candidates`).
    let idleSources: [any IdleSource]
    /// The sources that answered when detection started; nil while there is
    /// no detection (no window detecting idleness with sharing on).
    var idleSourcesInUse: [any IdleSource]?
    /// The look at the sources in progress; the engines' timers wait for it.
    var idleLook: Task<Void, Never>?
    /// Set once the daemon stops taking link events (``consumeLinkEvents()``).
    private var linkEventsStopped = false
    /// This machine's addresses, for ``NetworkWatch``; nil: no watch (the daemon's tests).
    let network: (any NetworkSensor)?
    /// Whether this machine slept or its addresses changed, from round to round.
    var networkWatch = NetworkWatch()
    /// Whether a round copies the store's log into its file (only after a round without a commit).
    var quietCheckpoints = QuietCheckpoints()
    /// How long the maintenance loop sleeps next (shorter while the network settles, ``NetworkWatch``).
    var maintenanceDelay = NodeConstants.maintenanceInterval
    /// Failures that repeat (a full disk) are logged once per interval with a count.
    var repeatingLines = LogThrottle<RepeatingLine>(interval: NodeConstants.repeatedLogInterval)
    /// Messages and receipts waiting for the store's next group commit.
    var commits = GroupCommit<PendingWrite>(maximumBatch: NodeConstants.maximumCommitBatch, gatherFor: NodeConstants.commitGatherWindow)
    /// Batched sends waiting for their messages' commits (``sendMessages(to:texts:)``).
    var batchAnswers = BatchAnswers<CheckedContinuation<BatchOutcome, Never>, StoreError>()
    /// The commit in flight, if any (awaited at shutdown).
    var commitRunning: Task<Void, Never>?
    /// Incoming messages waiting for or in a commit, per colleague: their
    /// state events wait behind them (``PendingWrite/stateAfterMessages(_:source:sequence:from:)``).
    var uncommittedMessages: [DeviceFingerprint: Int] = [:]
    /// The gathering window's timer, when one is set.
    var commitGathering: Task<Void, Never>?
    /// When each colleague's whole outbox was last sent (at link-up or as a
    /// resend), so a resend waits ``NodeConstants/resendAfter`` after it.
    var outboxSentAt: [DeviceFingerprint: MonotonicInstant] = [:]

    /// Keys of the settings the daemon keeps in the store.
    enum SettingKey {
        static let sequence = "sequence.reservedEnd"
        static let shareState = "privacy.shareState"
        static let presence = "presence.status"
    }

    /// - Parameters:
    ///   - linkPorts: where the link layer listens (bound before the daemon starts), for the API's status.
    ///   - relays: the forwarders, asked for a relay when a colleague they list cannot be dialled.
    ///   - presenceChanged: republishes this user's presence status (the mDNS record) when it changes;
    ///     the status to publish at start is ``storedPresence(in:)``.
    ///   - resolveAgain: resolves a colleague's mDNS record again when a direct dial to what
    ///     discovery said failed (resolvers close once they answer, Docs/protocol.md §3 "Resolvers").
    ///   - idleSources: where input outside natter's windows is seen (`IdleSources.candidates`);
    ///     none means only the windows' own input counts.
    ///   - network: this machine's addresses, read every maintenance round to
    ///     notice a sleep or an address change (``NetworkWatch``); nil turns that off.
    ///   - clock: the daemon's time; by default the system's, sleeping with `loop`'s timers.
    ///   - loop: where the actor runs: the loop the links' channels use, so
    ///     their events and the daemon's answers need no thread switch. Any
    ///     loop is correct; another costs a hand-off per event.
    public init(
        identity: DaemonIdentity, config: NatterConfig, store: MessageStore, links: any PeerLinks,
        relays: (any RelayDialer)? = nil, pins: PinStore, idleSources: [any IdleSource] = [],
        linkPorts: (tcp: Int, udp: Int), presenceChanged: @escaping @Sendable (PresenceStatus) -> Void = { _ in },
        resolveAgain: @escaping @Sendable (DeviceFingerprint) -> Void = { _ in },
        network: (any NetworkSensor)? = nil, clock: (any DaemonClock)? = nil, logger: Logger,
        loop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
    ) throws(StoreError) {
        self.loop = loop
        self.identity = identity
        self.config = config
        self.store = store
        self.links = links
        self.relays = relays
        self.pins = pins
        self.idleSources = idleSources
        self.linkPorts = linkPorts
        self.presenceChanged = presenceChanged
        self.resolveAgain = resolveAgain
        self.network = network
        self.clock = clock ?? SystemClock(sleepingOn: loop)
        self.logger = logger
        sequences = SequenceAllocator(persistedEnd: UInt64(try store.setting(SettingKey.sequence) ?? "0") ?? 0)
        presence = try Self.storedPresence(in: store)
        shareState = (try store.setting(SettingKey.shareState) ?? "on") == "on"
        directory = ColleagueDirectory(
            ownFingerprint: identity.fingerprint, ownName: config.displayName, remembered: try store.knownPeers(), pins: pins.table)
        dialling = DialScheduler(ownFingerprint: identity.fingerprint, startedAt: self.clock.now)
        sessionStates = SessionStateHub(timings: config.timings)
        groups = try DaemonGroups.load(from: store, me: identity.fingerprint, timings: config.timings)
    }

    /// Runs until cancelled: consumes link events, dials and resends on a calm
    /// maintenance round, and drives the session-state timers. On
    /// cancellation, closes every window (so colleagues see the final state)
    /// and checkpoints the store.
    public func run() async {
        applyPolicy()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consumeLinkEvents() }
            group.addTask { await self.maintainUntilCancelled() }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {}
            group.cancelAll()
        }
        await shutDown()
    }

    /// The maintenance rounds, on the actor: each sleep starts and ends on
    /// its executor (the loop), so a round costs the loop's timer and no
    /// other thread.
    private func maintainUntilCancelled() async {
        while !Task.isCancelled {
            await maintenance()
            do {
                try await clock.sleep(until: clock.now + maintenanceDelay)
            } catch {
                return
            }
        }
    }

    /// The presence status this user last chose (`available` at first), to
    /// publish from the start.
    public static func storedPresence(in store: MessageStore) throws(StoreError) -> PresenceStatus {
        try store.setting(SettingKey.presence).flatMap(PresenceStatus.init(rawValue:)) ?? .available
    }

    /// The event stream for the API: every message, receipt, state change and colleague change.
    public func subscribe() -> (stream: AsyncStream<APIEvent>, cancel: @Sendable () -> Void) {
        // At debug level, so a test (or a curious user) can tell that a
        // watcher is listening before making the event it waits for.
        logger.debug("event stream opened")
        return events.subscribe()
    }

    func shutDown() async {
        let now = clock.now
        for window in sessionStates.windowIDs {
            emit(sessionStates.closeWindow(window, at: now))
        }
        timer?.cancel()
        idleLook?.cancel()
        commitGathering?.cancel()
        await finishCommits()
        events.finishAll()
        do {
            try store.checkpoint()
        } catch {
            logger.error("could not flush the message store at shutdown", metadata: ["error": "\(error)"])
        }
    }

    /// The periodic round: dial who should be dialled, resend what was not
    /// acknowledged on a live link, tell the counts of repeated failures,
    /// and copy the store's log into its file once the store is quiet.
    func maintenance() async {
        watchNetwork()
        dial(dialling.due(directory: directory, at: clock.now))
        let owed: Set<DeviceFingerprint>
        do {
            owed = try store.peersAwaitingReceipts()
        } catch {
            logRepeating(.error, "could not read which outboxes hold something", error: error)
            owed = directory.linked
        }
        for peer in directory.linked.intersection(owed) {
            flushOutbox(to: peer, olderThan: NodeConstants.resendAfter)
            flushGroupOutbox(to: peer, olderThan: NodeConstants.resendAfter)
        }
        logHeldBackLines()
        if quietCheckpoints.round(store.writeAheadLog.current) {
            do {
                try await store.checkpointLog()
            } catch {
                logRepeating(.error, "could not copy the message store's log into its file", error: error)
            }
        }
    }

    // MARK: Helpers shared by the extensions

    func nextSequence() -> UInt64 {
        let (sequence, reservation) = sequences.allocate()
        if let reservation {
            do {
                try store.setSetting(SettingKey.sequence, to: String(reservation))
            } catch {
                // Without a persisted reservation a restart could reuse numbers,
                // letting an old state outrank a new message; say so loudly.
                logRepeating(.critical, "could not persist the sequence reservation", error: error)
            }
        }
        return sequence
    }

    func name(of peer: DeviceFingerprint) -> String { directory.name(of: peer) }

    func resolve(_ query: String) throws(APIFailure) -> DeviceFingerprint {
        directory.refresh(pins: pins.table)
        switch directory.resolve(query) {
        case .success(let peer): return peer
        case .failure(let failure): throw APIFailure(failure)
        }
    }

    func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool = false) {
        links.send(frame, to: peer, preferDatagram: preferDatagram)
    }

    /// Link events, handled on the actor as they come. Taken from the link
    /// layer's thread as a job on the actor's loop when it can (no thread
    /// switch when that is the links' loop, and never in the middle of
    /// another job), else from the stream.
    private func consumeLinkEvents() async {
        let loop = self.loop
        let direct = links.deliverEvents { [self] event in
            loop.execute { self.assumeIsolated { $0.linkEventArrived(event) } }
        }
        guard direct else {
            for await event in links.events { handle(event) }
            return
        }
        // The stream carries nothing now; it ends when the links stop or the
        // daemon is cancelled, and the events after that are not its business.
        for await _ in links.events {}
        linkEventsStopped = true
    }

    private func linkEventArrived(_ event: LinkEvent) {
        guard !linkEventsStopped else { return }
        handle(event)
    }
}
