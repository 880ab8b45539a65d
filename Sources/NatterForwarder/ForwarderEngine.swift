public import NatterWire
import NatterCore

/// The forwarder as a state machine (Docs/protocol.md §9): connections and
/// their messages in, ``ForwarderAction``s out. It reads no clock and no
/// socket; the wiring numbers connections, feeds it what arrives and the
/// time, and carries out what it answers, in order.
///
/// Three kinds of TCP connection: one not yet identified (its first message
/// decides), a member's sealed control connection (hello, then register,
/// relay requests and keepalives), and one leg of a relay (join, then raw
/// bytes once both legs have joined).
///
/// An idle member costs the engine nothing: it keeps no timer per member and
/// sends no keepalive of its own. The kernel's TCP keepalives
/// (``ControlConnectionKeepalive``) close a vanished member's connection and
/// the wiring reports it as ``connectionClosed(_:now:)``; a keepalive an
/// older member still sends is answered with one, which is what it waits for.
public struct ForwarderEngine<Random: RandomNumberGenerator> {
    public private(set) var settings: ForwarderSettings
    private let key: ForwarderKey
    private var random: Random

    private var replayCache = HandshakeReplayCache()
    private var handshakeLimiter: SourceRateLimiter
    /// Clock hints per source address (Docs/protocol.md §9.3.1): past the budget, silence.
    private var clockHintLimiter: SourceRateLimiter

    private var pending: [ConnectionID: Pending] = [:]
    private var controls: [ConnectionID: Control] = [:]
    private var legs: [ConnectionID: (relay: UInt64, side: Int)] = [:]
    private var members: [[UInt8]: Member] = [:]
    /// The members in a deterministic order (registration order, with a
    /// withdrawn member's place taken by the last one): broadcasts walk it
    /// instead of sorting the whole table on every registration. It holds
    /// what a broadcast needs, so the walk copies no dictionary value.
    private var memberOrder: [Listing] = []
    /// The relays each member is part of, so a withdrawal or re-registration
    /// touches its own relays only.
    private var memberRelays: [[UInt8]: Set<UInt64>] = [:]
    private var pendingDeadlines = DeadlineQueue<ConnectionID>()
    private var relayDeadlines = DeadlineQueue<UInt64>()
    private var relays: [UInt64: Relay] = [:]
    private var tokens: [[UInt8]: (relay: UInt64, side: Int)] = [:]
    private var indexes: Set<UInt32> = []
    private var nextRelayID: UInt64 = 1
    /// Members with directory changes waiting for the next batch, in the
    /// order they first had one.
    private var batchesWaiting: [ConnectionID] = []
    /// The changes waiting for each member that takes batches (Docs/protocol.md §9.3).
    private var batches: [ConnectionID: PendingBatch] = [:]
    private var lastBatchFlush: ContinuousClock.Instant?

    /// Connections closed before admission, by reason.
    public private(set) var refused: [RefusalReason: Int] = [:]

    public var registeredPeers: Int { members.count }
    public var activeRelays: Int { relays.count }
    /// Connections the engine tracks (every kind); for tests and leak checks.
    public var trackedConnections: Int { pending.count + controls.count + legs.count }
    /// Deadlines the last ``tick(now:)`` looked at: the tick's work, which
    /// depends on what is due, not on how many members are registered.
    public private(set) var lastTickVisits = 0

    public init(key: ForwarderKey, settings: ForwarderSettings = ForwarderSettings(), random: Random, now: ContinuousClock.Instant) {
        self.key = key
        self.settings = settings
        self.random = random
        handshakeLimiter = SourceRateLimiter(limit: settings.handshakesPerSource, window: settings.handshakeWindow, now: now)
        clockHintLimiter = SourceRateLimiter(limit: WireConstants.clockHintsPerSource, window: WireConstants.clockHintWindow, now: now)
    }

    /// The UDP port told to members in `.registered`, once the wiring knows it (when bound to port 0).
    public mutating func setRelayUDPPort(_ port: UInt16) {
        settings.relayUDPPort = port
    }

    // MARK: Events

    /// A TCP connection was accepted from `remoteAddress` (the IP, no port).
    public mutating func connectionOpened(_ id: ConnectionID, remoteAddress: String, now: ForwarderTime) -> [ForwarderAction] {
        guard handshakeLimiter.allow(remoteAddress, now: now.monotonic) else {
            return refuse(id, .rateLimited, remote: remoteAddress)
        }
        pending[id] = Pending(remote: remoteAddress, opened: now.monotonic)
        pendingDeadlines.push(id, at: now.monotonic + settings.handshakeTimeout)
        return []
    }

    /// One length-delimited message arrived on a connection that is not spliced.
    public mutating func received(_ id: ConnectionID, message: [UInt8], now: ForwarderTime) -> [ForwarderAction] {
        if let connection = pending.removeValue(forKey: id) {
            return first(id, connection, message: message, now: now)
        }
        if controls[id] != nil {
            return control(id, message: message, now: now)
        }
        if let leg = legs[id] {
            // Nothing may follow a join before `joined`: the member broke the protocol.
            var actions: [ForwarderAction] = [.log(.info, "relay connection \(id) sent bytes before both sides joined; closed")]
            tearDown(relay: leg.relay, reason: "a side broke the protocol", &actions)
            return actions
        }
        return []
    }

    /// The connection is gone (closed by the other end, an error, or a close the engine asked for).
    public mutating func connectionClosed(_ id: ConnectionID, now: ForwarderTime) -> [ForwarderAction] {
        var actions: [ForwarderAction] = []
        if pending.removeValue(forKey: id) != nil { return [] }
        if let control = controls.removeValue(forKey: id) {
            if let keyed = control.keyed, members[keyed]?.connection == id {
                actions.append(.log(.info, "member \(Self.short(keyed)) disconnected from \(control.remote)"))
                withdraw(keyed, &actions)
            }
            return actions
        }
        if let leg = legs.removeValue(forKey: id) {
            relays[leg.relay]?.legs[leg.side] = nil
            tearDown(relay: leg.relay, reason: "a side closed", &actions)
        }
        return actions
    }

    /// Timeouts: call about once a second. Only deadlines that are due are
    /// looked at (kept in ``DeadlineQueue``s), never every connection.
    public mutating func tick(now: ForwarderTime) -> [ForwarderAction] {
        var actions: [ForwarderAction] = []
        var visits = 0
        while let (_, id) = pendingDeadlines.popDue(now.monotonic) {
            visits += 1
            guard let connection = pending[id] else { continue }  // admitted or closed since
            pending[id] = nil
            actions += refuse(id, .timeout, remote: connection.remote)
        }
        while let (_, relay) = relayDeadlines.popDue(now.monotonic) {
            visits += 1
            guard let value = relays[relay], !value.spliced else { continue }
            tearDown(relay: relay, reason: "both sides did not join in time", &actions)
        }
        lastTickVisits = visits
        return actions
    }

    // MARK: Directory batches

    /// When the waiting directory changes should go out: nil when none wait,
    /// else at once unless the last batch went less than
    /// ``ForwarderSettings/directoryBatchInterval`` ago. The wiring calls
    /// ``flushDirectoryBatches(now:)`` then.
    public func nextDirectoryFlush(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard !batchesWaiting.isEmpty else { return nil }
        guard let lastBatchFlush else { return now }
        return max(now, lastBatchFlush + settings.directoryBatchInterval)
    }

    /// Seals every waiting batch: one message per member, whatever number
    /// of registrations and withdrawals it holds.
    public mutating func flushDirectoryBatches(now: ContinuousClock.Instant) -> [ForwarderAction] {
        lastBatchFlush = now
        var actions: [ForwarderAction] = []
        let waiting = batchesWaiting
        batchesWaiting = []
        for id in waiting {
            batches[id]?.awaitsFlush = false
            sealBatch(id, &actions)
        }
        return actions
    }

    // MARK: First message

    private mutating func first(_ id: ConnectionID, _ connection: Pending, message: [UInt8], now: ForwarderTime) -> [ForwarderAction] {
        let type: ForwarderEnvelope.MessageType
        let body: [UInt8]
        do {
            (type, body) = try ForwarderEnvelope.unwrap(message)
        } catch {
            return refuse(id, .malformed, remote: connection.remote)
        }
        switch type {
        case .hello:
            let admitted: (tag: [UInt8], clientNonce: [UInt8])
            do {
                admitted = try ForwarderHandshake.admit(message, key: key, nowMilliseconds: now.unixMilliseconds)
            } catch .admissionFailed {
                return refuse(id, .stranger, remote: connection.remote)
            } catch .staleHello {
                return staleHello(id, message, remote: connection.remote, now: now)
            } catch {
                return refuse(id, .malformed, remote: connection.remote)
            }
            // Keyed by arrival time: the forwarder keeps its replay rule as it
            // was (tags remembered while within the tolerance, oldest evicted first).
            let arrived = now.unixMilliseconds
            guard replayCache.insert(admitted.tag, timestamp: arrived, nowMilliseconds: arrived) else {
                return refuse(id, .replayed, remote: connection.remote)
            }
            let (reply, channel) = ForwarderHandshake.welcome(
                hello: message, clientNonce: admitted.clientNonce, key: key, serverNonce: randomBytes(16))
            controls[id] = Control(
                remote: connection.remote, channel: channel, keyed: nil,
                requests: SourceRateLimiter(
                    limit: settings.relayRequestsPerMember, window: settings.relayRequestWindow, maximumSources: 2, now: now.monotonic))
            return [.send(id, reply), .log(.debug, "control connection \(id) from \(connection.remote) admitted")]
        case .join:
            guard body.count == RelayInvitation.tokenLength, let (relayID, side) = tokens.removeValue(forKey: body),
                var relay = relays[relayID], relay.legs[side] == nil
            else { return refuse(id, .unknownToken, remote: connection.remote) }
            relay.legs[side] = id
            relays[relayID] = relay
            legs[id] = (relayID, side)
            guard let a = relay.legs[0], let b = relay.legs[1] else {
                return [.log(.debug, "relay \(relayID): side \(side) joined from \(connection.remote)")]
            }
            relays[relayID]?.spliced = true
            return [
                .send(a, ForwarderEnvelope.joined), .send(b, ForwarderEnvelope.joined),
                .splice(a, memberA: relay.members[0], b, memberB: relay.members[1]),
                .log(.info, "relay \(relayID) between \(Self.short(relay.members[0])) and \(Self.short(relay.members[1])) spliced"),
            ]
        case .welcome, .sealed, .joined, .clockHint:
            return refuse(id, .malformed, remote: connection.remote)
        }
    }

    /// A hello made with this forwarder's key but stamped too far from its
    /// clock: a member whose clock is wrong. Within the source's budget it is
    /// told this forwarder's time (a clock hint, §9.3.1) and registers again
    /// in it; the log says by how much the clocks differ, at warning level
    /// (once per hint: the member's next hello is in time).
    private mutating func staleHello(_ id: ConnectionID, _ hello: [UInt8], remote: String, now: ForwarderTime) -> [ForwarderAction] {
        refused[.stale, default: 0] += 1
        let difference = PeerClocks.describe(PeerClocks.difference(ForwarderHandshake.timestamp(ofHello: hello) ?? now.unixMilliseconds, now.unixMilliseconds))
        guard clockHintLimiter.allow(remote, now: now.monotonic) else {
            return [.close(id), .log(.info, "refused connection \(id) from \(remote): \(RefusalReason.stale.logText), its clock \(difference); no clock hint (over the budget)")]
        }
        return [
            .send(id, ForwarderHandshake.clockHint(hello: hello, key: key, nowMilliseconds: now.unixMilliseconds)), .close(id),
            .log(.warning, "a member at \(remote) has a clock \(difference): its hello was refused with a clock hint, and it registers again in this forwarder's time (set the wrong clock right: timedatectl)"),
        ]
    }

    private mutating func refuse(_ id: ConnectionID, _ reason: RefusalReason, remote: String) -> [ForwarderAction] {
        refused[reason, default: 0] += 1
        return [.close(id), .log(.info, "refused connection \(id) from \(remote): \(reason.logText)")]
    }

    // MARK: Control connections

    private mutating func control(_ id: ConnectionID, message: [UInt8], now: ForwarderTime) -> [ForwarderAction] {
        let opened: ForwarderMessage
        do {
            opened = try controls[id]!.channel.open(message)
        } catch {
            var actions: [ForwarderAction] = [.log(.info, "control connection \(id) from \(controls[id]!.remote) sent an invalid message (\(error)); closed")]
            closeControl(id, &actions)
            return actions
        }
        var actions: [ForwarderAction] = []
        // Docs/protocol.md §9.3: a member's first sealed message is its registration.
        if controls[id]!.keyed == nil {
            switch opened {
            case .register, .registerWithFeatures: break
            default:
                actions.append(.log(.info, "control connection \(id) from \(controls[id]!.remote) did not register first; closed"))
                closeControl(id, &actions)
                return actions
            }
        }
        switch opened {
        case .register(let entry): register(id, entry, features: [], &actions)
        case .registerWithFeatures(let entry, let features): register(id, entry, features: features, &actions)
        case .relayRequest(let requestID, let target): relayRequest(id, requestID: requestID, target: target, now: now, &actions)
        case .keepalive: sendSealed(id, .keepalive, &actions)  // an older member: it needs to hear back
        case .goodbye:
            if let keyed = controls[id]!.keyed { actions.append(.log(.info, "member \(Self.short(keyed)) said goodbye")) }
            closeControl(id, &actions)
        case .registered, .peer, .peerGone, .directoryComplete, .directory, .relayInvitation, .relayRefused:
            actions.append(.log(.info, "control connection \(id) sent a forwarder's message; closed"))
            closeControl(id, &actions)
        }
        return actions
    }

    /// Closes a control connection and withdraws its member, if it has one.
    private mutating func closeControl(_ id: ConnectionID, _ actions: inout [ForwarderAction]) {
        guard let control = controls.removeValue(forKey: id) else { return }
        batches[id] = nil
        actions.append(.close(id))
        if let keyed = control.keyed, members[keyed]?.connection == id { withdraw(keyed, &actions) }
    }

    private mutating func register(
        _ id: ConnectionID, _ proposed: DirectoryEntry, features: ForwarderFeatures, _ actions: inout [ForwarderAction]
    ) {
        let control = controls[id]!
        let keyed = proposed.keyedFingerprint
        if let previous = control.keyed, previous != keyed {
            actions.append(.log(.info, "control connection \(id) changed its fingerprint; closed"))
            closeControl(id, &actions)
            return
        }
        let isUpdate = control.keyed != nil
        let existingSlot = members[keyed]?.slot
        if let existing = members[keyed], existing.connection != id {
            // The same member on a new connection (it restarted or its old connection is stale): replace.
            controls[existing.connection] = nil
            batches[existing.connection] = nil
            actions.append(.close(existing.connection))
            actions.append(.log(.info, "member \(Self.short(keyed)) re-registered from \(control.remote); its old connection \(existing.connection) closed"))
        } else if members[keyed] == nil, members.count >= settings.maximumPeers {
            refused[.peerCapacity, default: 0] += 1
            controls[id] = nil
            actions += [.close(id), .log(.warning, "directory full (\(settings.maximumPeers) members): refused \(control.remote)")]
            return
        }
        var entry = proposed
        var addresses = [control.remote]
        for address in proposed.addresses where !addresses.contains(address) { addresses.append(address) }
        entry.addresses = Array(addresses.prefix(DirectoryEntry.maximumAddresses))
        // Batches are decided by the first registration on a connection.
        let takesBatches = isUpdate ? memberOrder[existingSlot!].takesBatches : features.contains(.directoryBatches)
        let encodedPeer = ForwarderMessageCodec.encode(.peer(entry))
        let listing = Listing(keyed: keyed, connection: id, encodedPeer: encodedPeer, takesBatches: takesBatches)
        let slot: Int
        if let existingSlot {
            slot = existingSlot
            memberOrder[slot] = listing
        } else {
            slot = memberOrder.count
            memberOrder.append(listing)
        }
        members[keyed] = Member(connection: id, slot: slot, entry: entry, observed: control.remote)
        controls[id]!.keyed = keyed
        sendSealed(id, .registered(observedAddress: control.remote, relayUDPPort: settings.relayUDPPort), &actions)
        if !isUpdate {
            sendDirectory(to: id, batched: takesBatches, except: slot, &actions)
            actions.append(.log(.info, "member \(Self.short(keyed)) registered from \(control.remote) (\(members.count) registered)"))
        }
        broadcast(encodedPeer, except: slot, &actions)
        refreshRoutes(of: keyed, &actions)
    }

    /// A newcomer's copy of the directory: every other member, then
    /// `directoryComplete`. In full batches for a member that takes them,
    /// else one `peer` each.
    private mutating func sendDirectory(to id: ConnectionID, batched: Bool, except slot: Int, _ actions: inout [ForwarderAction]) {
        for other in memberOrder.indices where other != slot {
            if batched {
                addToBatch(memberOrder[other].encodedPeer, for: id, &actions)
            } else {
                sendSealed(plaintext: memberOrder[other].encodedPeer, to: id, &actions)
            }
        }
        sendSealed(id, .directoryComplete, &actions)  // seals the last batch first
    }

    private mutating func relayRequest(
        _ id: ConnectionID, requestID: UInt32, target: [UInt8], now: ForwarderTime, _ actions: inout [ForwarderAction]
    ) {
        let requester = controls[id]!.keyed!  // registered: checked before any other message
        guard controls[id]!.requests.allow("", now: now.monotonic) else {
            sendSealed(id, .relayRefused(id: requestID, reason: .rateLimited), &actions)
            return
        }
        guard target != requester, let targetMember = members[target] else {
            sendSealed(id, .relayRefused(id: requestID, reason: .notRegistered), &actions)
            return
        }
        guard relays.count < settings.maximumRelays else {
            sendSealed(id, .relayRefused(id: requestID, reason: .capacity), &actions)
            actions.append(.log(.warning, "relay capacity (\(settings.maximumRelays)) reached: refused a request"))
            return
        }
        let relayID = nextRelayID
        nextRelayID += 1
        var relay = Relay(
            members: [requester, target], tokens: [freshToken(), freshToken()], indexes: [freshIndex(), freshIndex()],
            legs: [nil, nil], created: now.monotonic)
        tokens[relay.tokens[0]] = (relayID, 0)
        tokens[relay.tokens[1]] = (relayID, 1)
        relay.spliced = false
        relays[relayID] = relay
        memberRelays[requester, default: []].insert(relayID)
        memberRelays[target, default: []].insert(relayID)
        relayDeadlines.push(relayID, at: now.monotonic + settings.relayJoinTimeout)
        sendSealed(
            id,
            .relayInvitation(
                RelayInvitation(requestID: requestID, peer: target, token: relay.tokens[0], initiator: true, datagramIndex: relay.indexes[0])),
            &actions)
        sendSealed(
            targetMember.connection,
            .relayInvitation(
                RelayInvitation(requestID: 0, peer: requester, token: relay.tokens[1], initiator: false, datagramIndex: relay.indexes[1])),
            &actions)
        routes(of: relayID, &actions)
        actions.append(.log(.info, "relay \(relayID) offered between \(Self.short(requester)) and \(Self.short(target))"))
    }

    // MARK: Members and relays

    private mutating func withdraw(_ keyed: [UInt8], _ actions: inout [ForwarderAction]) {
        guard let member = members.removeValue(forKey: keyed) else { return }
        // Swap-remove from the order: O(1), and still deterministic.
        let last = memberOrder.removeLast()
        if member.slot < memberOrder.count {
            memberOrder[member.slot] = last
            members[last.keyed]!.slot = member.slot
        }
        broadcast(ForwarderMessageCodec.encode(.peerGone(keyedFingerprint: keyed)), except: nil, &actions)
        for relayID in (memberRelays[keyed] ?? []).sorted() {
            tearDown(relay: relayID, reason: "a member was withdrawn", &actions)
        }
    }

    private mutating func tearDown(relay relayID: UInt64, reason: String, _ actions: inout [ForwarderAction]) {
        guard let relay = relays.removeValue(forKey: relayID) else { return }
        for member in relay.members {
            memberRelays[member]?.remove(relayID)
            if memberRelays[member]?.isEmpty == true { memberRelays[member] = nil }
        }
        for token in relay.tokens { tokens[token] = nil }
        for index in relay.indexes {
            indexes.remove(index)
            actions.append(.removeRoute(index: index))
        }
        for case let leg? in relay.legs {
            legs[leg] = nil
            actions.append(.close(leg))
        }
        actions.append(.log(.info, "relay \(relayID) closed: \(reason)"))
    }

    /// The two datagram routes of a relay, from the members' current registrations.
    private func routes(of relayID: UInt64, _ actions: inout [ForwarderAction]) {
        guard let relay = relays[relayID], let a = members[relay.members[0]], let b = members[relay.members[1]] else { return }
        actions.append(.addRoute(index: relay.indexes[0], DatagramRoute(owner: relay.members[0], source: a.endpoint, destination: b.endpoint)))
        actions.append(.addRoute(index: relay.indexes[1], DatagramRoute(owner: relay.members[1], source: b.endpoint, destination: a.endpoint)))
    }

    private func refreshRoutes(of keyed: [UInt8], _ actions: inout [ForwarderAction]) {
        for relayID in (memberRelays[keyed] ?? []).sorted() {
            routes(of: relayID, &actions)
        }
    }

    /// Tells every registered member but one about a change (an encoded
    /// `peer` or `peerGone`): into its next batch if it takes batches, else
    /// sealed now as a message of its own.
    /// `except`: the slot in `memberOrder` of the member the change is about.
    private mutating func broadcast(_ change: [UInt8], except slot: Int?, _ actions: inout [ForwarderAction]) {
        for other in memberOrder.indices where other != slot {
            let id = memberOrder[other].connection
            if memberOrder[other].takesBatches {
                addToBatch(change, for: id, &actions)
            } else {
                sendSealed(plaintext: change, to: id, &actions)
            }
        }
    }

    private mutating func addToBatch(_ change: [UInt8], for id: ConnectionID, _ actions: inout [ForwarderAction]) {
        if batches[id]?.isFull(adding: change) == true {
            sealBatch(id, &actions)  // it goes now, and the change starts the next one
        }
        // In place (the default subscript's modify): the waiting bytes are not copied.
        if batches[id, default: PendingBatch()].append(change) { batchesWaiting.append(id) }
    }

    /// Seals what waits in a member's batch (nothing if it is empty or the member gone).
    private mutating func sealBatch(_ id: ConnectionID, _ actions: inout [ForwarderAction]) {
        guard var batch = batches.removeValue(forKey: id) else { return }
        defer { if batch.awaitsFlush { batches[id] = batch } }
        guard batch.count > 0, controls[id] != nil else { return }
        let plaintext = ForwarderMessageCodec.directoryBatch(count: batch.count, changes: batch.changes)
        batch.changes = []
        batch.count = 0
        actions.append(.send(id, controls[id]!.channel.seal(plaintext: plaintext)))
    }

    /// Every message to a member goes after the changes waiting for it, so
    /// it never learns of a relay before it learns of the member, nor sees
    /// `directoryComplete` before the directory.
    private mutating func sendSealed(_ id: ConnectionID, _ message: ForwarderMessage, _ actions: inout [ForwarderAction]) {
        sendSealed(plaintext: ForwarderMessageCodec.encode(message), to: id, &actions)
    }

    private mutating func sendSealed(plaintext: [UInt8], to id: ConnectionID, _ actions: inout [ForwarderAction]) {
        guard controls[id] != nil else { return }
        sealBatch(id, &actions)
        actions.append(.send(id, controls[id]!.channel.seal(plaintext: plaintext)))
    }

    // MARK: Randomness

    private mutating func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    }

    private mutating func freshToken() -> [UInt8] {
        while true {
            let token = randomBytes(RelayInvitation.tokenLength)
            if tokens[token] == nil { return token }
        }
    }

    private mutating func freshIndex() -> UInt32 {
        while true {
            let index = UInt32.random(in: 1 ... .max, using: &random)
            if indexes.insert(index).inserted { return index }
        }
    }

    /// The first 4 bytes of a keyed fingerprint in hex: enough to follow a member through the log.
    static func short(_ keyed: [UInt8]) -> String { Hex.encode(Array(keyed.prefix(4))) }
}

// The engine's records, outside the generic engine: nested in it they are
// generic too, and every copy goes through value witnesses (perf, 10,000
// members registering: 8 % of the forwarder's time in retains from copying a
// `Listing`, beside the generic metadata lookups).

fileprivate struct Pending {
    var remote: String
    var opened: ContinuousClock.Instant
}

fileprivate struct Control {
    var remote: String
    var channel: ForwarderChannel
    var keyed: [UInt8]?
    var requests: SourceRateLimiter
}

/// A member in `memberOrder`: where its changes go, and its entry as
/// a `peer` change (and message) encodes, made once and copied into
/// every batch and snapshot it goes to.
fileprivate struct Listing {
    var keyed: [UInt8]
    var connection: ConnectionID
    var encodedPeer: [UInt8]
    /// Registered with ``ForwarderFeatures/directoryBatches``: changes
    /// wait in a ``PendingBatch`` for the next flush instead of going one by one.
    var takesBatches: Bool
}

fileprivate struct PendingBatch {
    var changes: [UInt8] = []
    var count = 0
    /// In `batchesWaiting` (until the next flush).
    var awaitsFlush = false

    func isFull(adding change: [UInt8]) -> Bool {
        ForwarderMessageCodec.batchHeaderBytes + changes.count + change.count > ForwarderMessageCodec.maximumBatchBytes
            || count == Int(UInt16.max)
    }

    /// Adds a change; true when the batch now waits for a flush and did not before.
    mutating func append(_ change: [UInt8]) -> Bool {
        changes += change
        count += 1
        defer { awaitsFlush = true }
        return !awaitsFlush
    }
}

fileprivate struct Member {
    var connection: ConnectionID
    /// Where this member's fingerprint sits in `memberOrder`.
    var slot: Int
    var entry: DirectoryEntry
    var observed: String
    var endpoint: RelayEndpoint { RelayEndpoint(host: observed, port: entry.udpPort) }
}

fileprivate struct Relay {
    var members: [[UInt8]]  // [requester, target]
    var tokens: [[UInt8]]
    var indexes: [UInt32]
    var legs: [ConnectionID?]
    var created: ContinuousClock.Instant
    var spliced = false
}
