import Logging
import NatterAPI
import NatterCore
import NatterWire

/// A store write waiting for its group commit (``GroupCommit``), with what
/// the daemon does once it is on disk.
enum PendingWrite: Sendable {
    /// Answered (the API's reply) and sent only once stored: the outbox survives a crash.
    case outgoing(ChatMessage, answer: OutgoingAnswer)
    /// Acknowledged only once stored: a receipt means the message is on the receiver's disk.
    case incoming(ChatMessage)
    case delivered(MessageID, from: DeviceFingerprint, at: UInt64)
    /// Not a write: a colleague's state event that arrived behind one of their
    /// messages still being stored, applied once that is done, so that what
    /// this user sees keeps the order the colleague sent them in.
    case stateAfterMessages(SessionState, source: UInt32, sequence: UInt64, from: DeviceFingerprint)

    var storeWrite: StoreWrite? {
        switch self {
        case .outgoing(let message, _): .outgoing(message)
        case .incoming(let message): .incoming(message)
        case .delivered(let id, let peer, let time): .delivered(id, to: peer, at: time)
        case .stateAfterMessages: nil
        }
    }
}

extension NatterDaemon {
    /// Stores an outgoing message in the next group commit and returns once
    /// it is on disk (or the commit failed); the commit also sends it.
    func storeOutgoing(_ message: ChatMessage) async -> Result<Void, StoreError> {
        await withCheckedContinuation { answer in
            enqueue(.outgoing(message, answer: .alone(answer)))
        }
    }

    func enqueue(_ write: PendingWrite) {
        if case .incoming(let message) = write { uncommittedMessages[message.peer, default: 0] += 1 }
        act(on: commits.add(write, at: clock.now))
    }

    /// Whether a message from `peer` is waiting for or in a commit.
    func awaitingCommit(from peer: DeviceFingerprint) -> Bool {
        uncommittedMessages[peer, default: 0] > 0
    }

    func applyRemoteState(_ state: SessionState, source: UInt32, sequence: UInt64, from peer: DeviceFingerprint) {
        publishShown(sessionStates.remoteState(state, source: source, sequence: sequence, from: peer, at: clock.now))
    }

    /// Waits until every write handed in so far is committed (shutdown).
    func finishCommits() async {
        while let running = commitRunning {
            await running.value
        }
        let rest = commits.drain()
        guard !rest.isEmpty else { return }
        carryOut(rest, await Self.commit(rest, to: store))
    }

    private static func commit(_ batch: [PendingWrite], to store: MessageStore) async -> Result<[StoreWriteResult], StoreError> {
        do throws(StoreError) {
            return .success(try await store.commit(batch.compactMap(\.storeWrite)))
        } catch {
            return .failure(error)
        }
    }

    private func act(on decision: GroupCommit<PendingWrite>.Decision) {
        switch decision {
        case .wait:
            return
        case .askAgain(let time):
            commitGathering?.cancel()
            commitGathering = Task { [clock] in
                guard (try? await clock.sleep(until: time)) != nil else { return }
                self.gatheringEnded()
            }
        case .commit(let batch) where batch.allSatisfy({ $0.storeWrite == nil }):
            committed(batch, .success([]))  // only states that waited: nothing to store
        case .commit(let batch):
            // The commit runs on the store's writer queue, off the actor, so
            // writes keep arriving (and joining the next batch) meanwhile.
            commitRunning = Task { [store] in
                let result = await Self.commit(batch, to: store)
                self.committed(batch, result)
            }
        }
    }

    private func gatheringEnded() {
        commitGathering = nil
        act(on: commits.due(at: clock.now))
    }

    private func committed(_ batch: [PendingWrite], _ result: Result<[StoreWriteResult], StoreError>) {
        commitRunning = nil
        carryOut(batch, result)
        act(on: commits.committed(at: clock.now))
    }

    /// What each write of a finished commit leads to, in the batch's order:
    /// frames to colleagues (one flush per colleague), events, API answers.
    private func carryOut(_ batch: [PendingWrite], _ result: Result<[StoreWriteResult], StoreError>) {
        for case .incoming(let message) in batch {
            uncommittedMessages[message.peer, default: 1] -= 1
            if uncommittedMessages[message.peer] == 0 { uncommittedMessages[message.peer] = nil }
        }
        var results: [StoreWriteResult].Iterator
        switch result {
        case .success(let done):
            results = done.makeIterator()
        case .failure(let error):
            // Nothing in the batch is stored: incoming messages go
            // unacknowledged (their senders retry), senders are told.
            for write in batch {
                switch write {
                case .outgoing(let message, let answer): answered(answer, .failure(error.failing(.outgoing(message))))
                case .incoming(let message):
                    logRepeating(.error, "could not store an incoming message; the sender will retry", error: error.failing(.incoming(message)))
                case .delivered(let id, let peer, let time):
                    logRepeating(.error, "could not record a delivery receipt", error: error.failing(.delivered(id, to: peer, at: time)))
                case .stateAfterMessages(let state, let source, let sequence, let peer):
                    applyRemoteState(state, source: source, sequence: sequence, from: peer)
                }
            }
            return
        }
        let outcomes = batch.map { $0.storeWrite == nil ? nil : results.next() }
        // The frames first: the receipts are what the colleagues wait for.
        var frames = OutgoingFrames()
        for write in batch {
            switch write {
            case .outgoing(let message, _) where directory.isLinked(message.peer): frames.add(chatFrame(message), to: message.peer)
            case .incoming(let message): frames.add(.ack(sequence: 0, id: message.id), to: message.peer)
            default: break
            }
        }
        for (peer, peerFrames) in frames.byPeer { links.send(peerFrames, to: peer) }
        let now = clock.now
        // A group's receipts that one commit took are one event: the count
        // after the last of them ("delivered to 49 of 49"), not 49 events.
        var groupCounts: [(GroupRecord, GroupDeliveryCount)] = []
        for (write, outcome) in zip(batch, outcomes) {
            switch write {
            case .outgoing(let message, let answer):
                events.publish(.message(messageView(message, kind: .message)))
                answered(answer, .success(()))
            case .incoming(let message):
                guard case .incoming(isNew: true) = outcome else { continue }
                events.publish(.message(messageView(message, kind: .message)))
                publishShown(sessionStates.remoteMessage(sequence: message.sequence, from: message.peer, at: now))
                emit(sessionStates.messageReceived(from: message.peer, at: now))
            case .delivered(let id, _, _):
                switch outcome {
                case .delivered(let delivered?): events.publish(.delivery(messageView(delivered, kind: .delivery)))
                case .groupDelivered(let record, let count):
                    if !groupCounts.contains(where: { $0.0.id == id }) { groupCounts.append((record, count)) }
                default: break
                }
            case .stateAfterMessages(let state, let source, let sequence, let peer):
                applyRemoteState(state, source: source, sequence: sequence, from: peer)
            }
        }
        for (record, count) in groupCounts { events.publish(.groupDelivery(groupMessageView(record, type: .groupDelivery, count: count))) }
    }
}

/// Frames gathered per colleague, in order, so a commit's receipts go out in
/// one write and one flush per link.
private struct OutgoingFrames {
    private(set) var byPeer: [(DeviceFingerprint, [Frame])] = []
    private var index: [DeviceFingerprint: Int] = [:]

    mutating func add(_ frame: Frame, to peer: DeviceFingerprint) {
        if let at = index[peer] {
            byPeer[at].1.append(frame)
        } else {
            index[peer] = byPeer.count
            byPeer.append((peer, [frame]))
        }
    }
}
