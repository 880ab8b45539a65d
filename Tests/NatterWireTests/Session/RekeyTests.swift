import Crypto
import NatterCore
@testable import NatterWire
import Testing

/// The in-band rekey of an established link (Docs/protocol.md §5.8), two
/// sessions back to back with streams as queues and the time as a value: many
/// epochs in microseconds, with frames in flight across every switch.
@Suite("Rekey")
struct RekeyTests {
    static let id = MessageID(bytes: [UInt8](repeating: 7, count: 16))!

    /// Two established sessions whose hellos were exchanged, with an ordered
    /// stream each way that delivers when the test says so.
    struct Link {
        var dialler: SecureSession
        var other: SecureSession
        var toOther: [[UInt8]] = []
        var toDialler: [[UInt8]] = []
        /// What each side handed up, in order.
        var atOther: [Frame] = []
        var atDialler: [Frame] = []
        /// Each side's datagram session changes, in order.
        var dataAtDialler: [SecureSession.Output] = []
        var dataAtOther: [SecureSession.Output] = []
        var nextIndex: UInt32 = 100

        init(policy: RekeyPolicy, now: ContinuousClock.Instant) throws {
            let team = TeamKey()
            dialler = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, rekeyPolicy: policy)
            other = SecureSession(initiator: false, identity: DeviceIdentity(), team: team, rekeyPolicy: policy)
            let wall: UInt64 = 1_764_000_000_000
            let second = try other.receive(dialler.start(nowMilliseconds: wall), nowMilliseconds: wall) { _ in true }
            for case .send(let bytes) in second {
                for case .send(let third) in try dialler.receive(bytes, now: now) { _ = try other.receive(third, now: now) }
            }
            let hello = Frame.hello(sequence: 0, name: "x", udpPort: 1, datagramIndex: 1)
            _ = try other.receive(dialler.seal(hello), now: now)
            _ = try dialler.receive(other.seal(hello), now: now)
        }

        mutating func index() -> UInt32 { nextIndex += 1; return nextIndex }

        mutating func tick(_ now: ContinuousClock.Instant) throws {
            var index = nextIndex
            for case .send(let bytes) in try dialler.tick(now: now, freshIndex: { index += 1; return index }) { toOther.append(bytes) }
            _ = try other.tick(now: now)
            nextIndex = index
        }

        /// Delivers everything in flight to the other side, one message at a time.
        mutating func deliverToOther(_ now: ContinuousClock.Instant) throws {
            while !toOther.isEmpty {
                var index = nextIndex
                for output in try other.receive(toOther.removeFirst(), now: now, freshIndex: { index += 1; return index }) {
                    switch output {
                    case .send(let bytes): toDialler.append(bytes)
                    case .frame(let frame): atOther.append(frame)
                    case .installDatagramReceive, .switchDatagramSend: dataAtOther.append(output)
                    default: break
                    }
                }
                nextIndex = index
            }
        }

        mutating func deliverToDialler(_ now: ContinuousClock.Instant) throws {
            while !toDialler.isEmpty {
                for output in try dialler.receive(toDialler.removeFirst(), now: now) {
                    switch output {
                    case .send(let bytes): toOther.append(bytes)
                    case .frame(let frame): atDialler.append(frame)
                    case .installDatagramReceive, .switchDatagramSend: dataAtDialler.append(output)
                    default: break
                    }
                }
            }
        }
    }

    static func chat(_ n: UInt64) -> Frame { .chat(sequence: n, id: MessageID(bytes: (0..<16).map { UInt8(truncatingIfNeeded: n >> ($0 % 8)) })!, sentAt: n, text: "message \(n)") }

    /// The rekey test of the issue, in memory: 50 epochs on WireGuard's
    /// schedule, frames both ways sent at every step of every exchange (before
    /// the request is read, between answer and rekeyDone), none lost, none
    /// out of order, and each epoch's datagram keys agree on both sides.
    @Test func fiftyRekeysWithFramesInFlightAtEverySwitchLoseNothing() throws {
        var now = ContinuousClock.now
        var link = try Link(policy: .standard, now: now)
        var sentToOther: [Frame] = [], sentToDialler: [Frame] = []
        var n: UInt64 = 0
        func send(_ link: inout Link, dialler: Bool) throws {
            n += 1
            let frame: Frame = n % 3 == 0 ? .state(sequence: n, state: .typing, source: 1) : Self.chat(n)
            if dialler { link.toOther.append(try link.dialler.seal(frame)); sentToOther.append(frame) }
            else { link.toDialler.append(try link.other.seal(frame)); sentToDialler.append(frame) }
        }
        for epoch in 1...50 {
            try send(&link, dialler: true)
            now += .seconds(119)
            try link.tick(now)
            #expect(link.toOther.count == 1, "no rekey before 120 s")
            now += .seconds(1)
            try link.tick(now)
            #expect(link.dialler.epoch == UInt64(epoch - 1) && link.toOther.count == 2, "the request is queued at 120 s")
            try send(&link, dialler: true)  // under the old key, behind the request
            try send(&link, dialler: false)  // under the other side's old key, before it reads the request
            try link.deliverToOther(now)  // the request: the answer and the switch of the other side's send key
            #expect(link.other.epoch == UInt64(epoch))
            try send(&link, dialler: false)  // under the new key, behind the answer
            try send(&link, dialler: true)  // the dialler has not read the answer: old key
            try link.deliverToDialler(now)  // the answer, then a frame under the new key; rekeyDone queued
            #expect(link.dialler.epoch == UInt64(epoch))
            try send(&link, dialler: true)  // new key, behind rekeyDone
            try link.deliverToOther(now)
            try send(&link, dialler: false)
            try link.deliverToDialler(now)
        }
        #expect(link.atOther == sentToOther && link.atDialler == sentToDialler)
        #expect(sentToOther.count == 200 && sentToDialler.count == 150)
        #expect(link.dialler.epoch == 50 && link.other.epoch == 50)

        // Every epoch: the dialler installs the receive session for the index
        // it announced and sends to the other side's, under the keys the other
        // side installed and sends with.
        #expect(link.dataAtDialler.count == 100 && link.dataAtOther.count == 100)
        var seenIndices: Set<UInt32> = []
        for epoch in 0..<50 {
            guard case .installDatagramReceive(let diallerIndex, let diallerReceive) = link.dataAtDialler[2 * epoch],
                case .switchDatagramSend(let toOtherIndex, let diallerSend) = link.dataAtDialler[2 * epoch + 1],
                case .installDatagramReceive(let otherIndex, let otherReceive) = link.dataAtOther[2 * epoch],
                case .switchDatagramSend(let toDiallerIndex, let otherSend) = link.dataAtOther[2 * epoch + 1]
            else { Issue.record("epoch \(epoch): datagram steps out of order"); return }
            #expect(toOtherIndex == otherIndex && toDiallerIndex == diallerIndex)
            #expect(diallerSend == otherReceive && otherSend == diallerReceive && diallerSend != otherSend)
            seenIndices.formUnion([diallerIndex, otherIndex])
        }
        #expect(seenIndices.count == 100, "a new receiver index each epoch")
    }

    @Test func theMessageBudgetStartsARekeyBeforeTheTimer() throws {
        let now = ContinuousClock.now
        var link = try Link(policy: RekeyPolicy(rekeyAfterMessages: 10, rejectAfterMessages: 20), now: now)
        // Hellos were 2 messages under epoch 0; 8 more frames reach the budget.
        for n in 1...7 { link.toOther.append(try link.dialler.seal(Self.chat(UInt64(n)))) }
        try link.tick(now)
        #expect(link.toOther.count == 7, "9 frames: not yet")
        link.toOther.append(try link.dialler.seal(Self.chat(8)))
        try link.tick(now)
        #expect(link.toOther.count == 9, "10 frames: the request follows at once")
        try link.deliverToOther(now)
        try link.deliverToDialler(now)
        try link.deliverToOther(now)
        #expect(link.dialler.epoch == 1 && link.other.epoch == 1 && link.atOther.count == 8)
    }

    @Test func keysPastRejectAfterCloseTheLinkOnBothSides() throws {
        var now = ContinuousClock.now
        // The other side never answers: the dialler gives up at 180 s.
        var link = try Link(policy: .standard, now: now)
        now += .seconds(120)
        try link.tick(now)
        #expect(link.toOther.count == 1)
        now += .seconds(59)
        try link.tick(now)
        now += .seconds(1)
        #expect(throws: LinkError.keysExpired) { try link.dialler.tick(now: now) }

        // A dialler that never rekeys: the other side refuses its keys at
        // 180 s, and never starts a rekey itself.
        var start = ContinuousClock.now
        var silent = try Link(policy: .standard, now: start)
        start += .seconds(179)
        #expect(try silent.other.tick(now: start).isEmpty, "the other side never asks for a rekey")
        start += .seconds(1)
        #expect(throws: LinkError.keysExpired) { try silent.other.tick(now: start) }
    }

    @Test func theFrameLimitPerKeyIsHard() throws {
        let now = ContinuousClock.now
        var link = try Link(policy: RekeyPolicy(rekeyAfterMessages: 3, rejectAfterMessages: 4), now: now)
        _ = try link.dialler.seal(Self.chat(1))
        _ = try link.dialler.seal(Self.chat(2))
        #expect(throws: LinkError.keysExpired) { try link.dialler.seal(Self.chat(3)) }
    }

    @Test func rekeyFramesOutOfTurnCloseTheLink() throws {
        let now = ContinuousClock.now
        let key = SymmetricKey(size: .bits256)
        func transport(initiator: Bool) -> LinkTransport {
            LinkTransport(isInitiator: initiator, send: NoiseCipher(key: key), receive: NoiseCipher(key: key), chainingKey: key, policy: .standard, now: now)
        }
        let ephemeral = Array(Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation)
        var dialler = transport(initiator: true), other = transport(initiator: false)
        #expect(throws: LinkError.unexpectedRekey, "an answer nobody asked for") {
            try dialler.receive(.rekey(ephemeral: ephemeral, datagramIndex: 3), now: now) { 1 }
        }
        #expect(throws: LinkError.unexpectedRekey, "rekeyDone to the dialler") { try dialler.receive(.rekeyDone, now: now) { 1 } }
        #expect(throws: LinkError.unexpectedRekey, "rekeyDone with no rekey open") { try other.receive(.rekeyDone, now: now) { 1 } }
        _ = try other.receive(.rekey(ephemeral: ephemeral, datagramIndex: 3), now: now) { 1 }
        #expect(throws: LinkError.unexpectedRekey, "a second request before rekeyDone") {
            try other.receive(.rekey(ephemeral: ephemeral, datagramIndex: 3), now: now) { 1 }
        }
        var fresh = transport(initiator: false)
        #expect(throws: LinkError.handshake(.weakSharedSecret), "a low-order point gives an all-zero DH") {
            try fresh.receive(.rekey(ephemeral: [UInt8](repeating: 0, count: 32), datagramIndex: 3), now: now) { 1 }
        }
    }

    @Test func aNewEpochsKeysOpenNothingOfTheOldOne() throws {
        var now = ContinuousClock.now
        var link = try Link(policy: .standard, now: now)
        let old = try link.dialler.seal(Self.chat(1))
        link.toOther.append(old)
        try link.deliverToOther(now)
        #expect(link.atOther == [Self.chat(1)])
        now += .seconds(120)
        try link.tick(now)
        try link.deliverToOther(now)
        try link.deliverToDialler(now)
        try link.deliverToOther(now)
        #expect(link.other.epoch == 1)
        // A captured old-epoch message cannot be replayed into the new one.
        #expect(throws: LinkError.transportAuthenticationFailed) { try link.other.receive(old, now: now) }
    }
}

/// The key schedule's one timer (`SecureSession.keyDeadline`): a silent link
/// is ticked at its deadline, not every second.
@Suite("Rekey: the key deadline")
struct KeyDeadlineTests {
    @Test func theDeadlineIsTheNextThingTheClockAloneBrings() throws {
        let start = ContinuousClock.now
        var link = try RekeyTests.Link(policy: .standard, now: start)
        #expect(link.dialler.keyDeadline == start + .seconds(120), "the dialler's rekey")
        #expect(link.other.keyDeadline == start + .seconds(180), "the other side only ever refuses old keys")

        // Ticking before the deadline does nothing and leaves it where it is.
        try link.tick(start + .seconds(119))
        #expect(link.toOther.isEmpty && link.dialler.keyDeadline == start + .seconds(120))

        // At the deadline the rekey starts; while it is open, the keys' end of life is next.
        try link.tick(start + .seconds(120))
        #expect(link.toOther.count == 1)
        #expect(link.dialler.keyDeadline == start + .seconds(180))

        // Once it is done, the next rekey is 120 s after the switch.
        let done = start + .seconds(121)
        try link.deliverToOther(done)
        try link.deliverToDialler(done)
        try link.deliverToOther(done)
        #expect(link.dialler.keyDeadline == done + .seconds(120))
        #expect(link.other.keyDeadline.map { $0 > start + .seconds(180) } == true, "the other side's keys were renewed too")
    }

    @Test func aDiallerWaitingForTheHelloHasNoDeadline() throws {
        let team = TeamKey()
        var dialler = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, rekeyPolicy: .standard)
        var other = SecureSession(initiator: false, identity: DeviceIdentity(), team: team, rekeyPolicy: .standard)
        #expect(dialler.keyDeadline == nil, "not established")
        let now = ContinuousClock.now, wall: UInt64 = 1_764_000_000_000
        for case .send(let bytes) in try other.receive(dialler.start(nowMilliseconds: wall), nowMilliseconds: wall, isFresh: { _ in true }) {
            for case .send(let third) in try dialler.receive(bytes, now: now) { _ = try other.receive(third, now: now) }
        }
        #expect(dialler.isEstablished && dialler.keyDeadline == nil, "its tick does nothing before the hello, so no timer")
        #expect(other.keyDeadline != nil)
    }
}
