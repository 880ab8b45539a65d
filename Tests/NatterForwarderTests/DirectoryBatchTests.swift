import NatterForwarder
import NatterWire
import Testing

extension Harness {
    /// A member that registered asking for directory batches.
    mutating func registeredForBatches(_ byte: UInt8, from remote: String = "10.0.0.1") throws -> (FakeMember, [ForwarderAction]) {
        let member = try member(byte, from: remote)
        let actions = send(member, .registerWithFeatures(member.entry(), [.directoryBatches]))
        return (member, actions)
    }

    /// Flushes the waiting batches if they are due now.
    mutating func flushIfDue() -> [ForwarderAction] {
        guard let due = engine.nextDirectoryFlush(now: time.monotonic), due <= time.monotonic else { return [] }
        return engine.flushDirectoryBatches(now: time.monotonic)
    }
}

/// The keyed fingerprints a member was told about, in order, from single messages and batches alike.
func listed(_ messages: [ForwarderMessage]) -> [[UInt8]] {
    messages.flatMap { message -> [[UInt8]] in
        switch message {
        case .peer(let entry): [entry.keyedFingerprint]
        case .directory(let changes): changes.compactMap { if case .peer(let entry) = $0 { entry.keyedFingerprint } else { nil } }
        default: []
        }
    }
}

@Suite("Directory batches (Docs/protocol.md §9.3, Registration)")
struct DirectoryBatchTests {
    @Test func aNewcomerThatTakesBatchesGetsTheDirectoryInOneMessage() throws {
        var h = Harness()
        for byte: UInt8 in 1...5 { _ = try h.registered(byte) }
        let (f, actions) = try h.registeredForBatches(9, from: "10.0.0.9")
        let inbox = try f.inbox(actions)
        #expect(inbox.count == 3, "registered, one batch, directoryComplete: \(inbox)")
        #expect(inbox.first == .registered(observedAddress: "10.0.0.9", relayUDPPort: 7310))
        #expect(inbox.last == .directoryComplete)
        #expect(listed(inbox) == (1...5).map { Array(repeating: UInt8($0), count: 16) }, "in registration order")
    }

    @Test func registrationsWithinAnIntervalReachABatchMemberAsOneMessage() throws {
        var h = Harness()
        let (batcher, first) = try h.registeredForBatches(1)
        _ = try batcher.inbox(first)
        _ = h.flushIfDue()
        let (plain, second) = try h.registered(2, from: "10.0.0.2")
        #expect(try batcher.inbox(second).isEmpty, "the announcement waits for the flush")
        #expect(listed(try plain.inbox(second)) == [batcher.keyed], "a plain member's directory, one peer each")
        // The first flush after a quiet spell is due at once; the next ones keep the interval.
        #expect(h.engine.nextDirectoryFlush(now: h.time.monotonic) == h.time.monotonic)
        #expect(listed(try batcher.inbox(h.flushIfDue())) == [plain.keyed])
        var toBatcher: [ForwarderMessage] = [], toPlain: [ForwarderMessage] = []
        for byte: UInt8 in 3...6 {
            let (newcomer, actions) = try h.registered(byte, from: "10.0.0.\(byte)")
            toBatcher += try batcher.inbox(actions)
            toPlain += try plain.inbox(actions)
            _ = try newcomer.inbox(actions)
            #expect(h.flushIfDue().isEmpty, "within the interval nothing is flushed")
        }
        #expect(toBatcher.isEmpty)
        #expect(toPlain.count == 4, "the plain member hears of each newcomer at once")
        #expect(h.engine.nextDirectoryFlush(now: h.time.monotonic) == h.time.monotonic + ForwarderSettings().directoryBatchInterval)
        _ = h.advance(ForwarderSettings().directoryBatchInterval)
        toBatcher = try batcher.inbox(h.flushIfDue())
        #expect(toBatcher.count == 1, "four registrations, one message")
        #expect(listed(toBatcher) == (3...6).map { Array(repeating: UInt8($0), count: 16) })
        #expect(h.engine.nextDirectoryFlush(now: h.time.monotonic) == nil, "nothing waits")
    }

    @Test func aWithdrawalFollowsTheRegistrationInTheSameBatch() throws {
        var h = Harness()
        let (batcher, first) = try h.registeredForBatches(1)
        _ = try batcher.inbox(first)
        let (brief, _) = try h.registered(2, from: "10.0.0.2")
        let closed = h.engine.connectionClosed(brief.id, now: h.time)
        #expect(try batcher.inbox(closed).isEmpty)
        let changes = try batcher.inbox(h.flushIfDue())
        #expect(changes == [.directory([.peer(brief.entryAsListed), .peerGone(keyedFingerprint: brief.keyed)])])
    }

    @Test func anyOtherMessageGoesAfterTheChangesWaitingForThatMember() throws {
        var h = Harness()
        let (batcher, first) = try h.registeredForBatches(1)
        _ = try batcher.inbox(first)
        let (requester, second) = try h.registered(2, from: "10.0.0.2")
        _ = try requester.inbox(second)
        // The requester asks for a relay to the batcher before the batcher's flush:
        // the batcher must learn of the requester before it is invited by it.
        let actions = h.send(requester, .relayRequest(id: 7, target: batcher.keyed))
        let toBatcher = try batcher.inbox(actions)
        #expect(toBatcher.count == 2)
        #expect(listed(Array(toBatcher.prefix(1))) == [requester.keyed])
        #expect(invitation(Array(toBatcher.dropFirst()))?.peer == requester.keyed)
        #expect(try batcher.inbox(h.flushIfDue()).isEmpty, "nothing left to flush")
    }

    @Test func aDirectoryLargerThanOneBatchIsSplitAndNothingIsLost() throws {
        var settings = ForwarderSettings()
        settings.handshakesPerSource = 10_000
        var h = Harness(settings: settings)
        // Entries with a 200-byte sealed record: 600 of them are about 140,000 bytes.
        var expected: [[UInt8]] = []
        for n in 0..<600 {
            let member = try h.member(UInt8(n % 256), from: "10.0.\(n / 256).\(n % 256)")
            let keyed = [UInt8(n >> 8), UInt8(n & 0xFF)] + Array(repeating: 7, count: 14)
            var entry = member.entry()
            entry.keyedFingerprint = keyed
            entry.sealedRecord = Array(repeating: 1, count: 200)
            _ = h.send(member, .register(entry))
            expected.append(keyed)
        }
        let (batcher, actions) = try h.registeredForBatches(0xEE, from: "10.9.9.9")
        let inbox = try batcher.inbox(actions)
        let batches = inbox.filter { if case .directory = $0 { true } else { false } }
        #expect(batches.count == 3, "600 × 233 bytes in batches of at most 60,000")
        #expect(listed(inbox) == expected)
        #expect(inbox.last == .directoryComplete)
        for case .send(_, let bytes) in sends(actions) { #expect(bytes.count <= Int(UInt16.max)) }
    }
}

extension FakeMember {
    /// Its entry as the forwarder lists it: the observed address first.
    var entryAsListed: DirectoryEntry {
        var listed = entry()
        listed.addresses = [remote] + listed.addresses
        return listed
    }
}
