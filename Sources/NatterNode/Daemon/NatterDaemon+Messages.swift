import Logging
import NatterAPI
import NatterCore
import NatterWire

extension NatterDaemon {
    /// Stores a new outgoing message and sends it if the colleague is linked;
    /// otherwise it waits in the outbox. Empty (whitespace-only) and oversized
    /// texts are refused here, so they never reach a colleague.
    /// Answers once the message is on disk (a group commit, shared with
    /// whatever else arrived meanwhile), which also sends it.
    func sendMessage(to query: String, text: String) async throws(APIFailure) -> MessageView {
        if let problem = MessageText.validate(text) { throw .badRequest(problem.description) }
        let peer = try resolve(query)
        let sentAt = clock.unixMilliseconds
        var generator = SystemRandomNumberGenerator()
        let message = ChatMessage(
            id: MessageID(unixMilliseconds: sentAt, using: &generator), peer: peer, direction: .outgoing,
            text: text, sequence: nextSequence(), sentAt: sentAt, receivedAt: nil, delivery: .queued)
        if case .failure(let error) = await storeOutgoing(message) { throw APIFailure(error) }
        return messageView(message, kind: .message)
    }

    func history(with query: String, limit: Int, before: MessageID? = nil) throws(APIFailure) -> [MessageView] {
        let peer = try resolve(query)
        do {
            return try store.history(with: peer, limit: limit, before: before).map { messageView($0, kind: .message) }
        } catch {
            throw APIFailure(error)
        }
    }

    /// An incoming chat message: store it (once) in the next group commit,
    /// and only then acknowledge it, clear the sender's typing indicator and
    /// show it (`NatterDaemon+GroupCommit.swift`).
    func receiveChat(id: MessageID, sequence: UInt64, sentAt: UInt64, text: String, from peer: DeviceFingerprint) {
        guard MessageText.validate(text) == nil else {
            // Never stored or shown, but acknowledged: resending cannot make
            // it valid, and an unacknowledged message is resent forever.
            logger.notice("dropped an empty or oversized chat message (acknowledged)", metadata: ["peer": "\(peer.compact.prefix(8))"])
            send(.ack(sequence: 0, id: id), to: peer)
            return
        }
        enqueue(.incoming(ChatMessage(
            id: id, peer: peer, direction: .incoming, text: text, sequence: sequence,
            sentAt: sentAt, receivedAt: clock.unixMilliseconds, delivery: .received)))
    }

    /// A receipt, recorded in the next group commit; its event follows the commit.
    func receiveAck(_ id: MessageID, from peer: DeviceFingerprint) {
        enqueue(.delivered(id, from: peer, at: clock.unixMilliseconds))
    }

    /// Sends every queued message for `peer`, oldest first; `olderThan` limits
    /// it to messages sent at least that long ago (a resend on a live link).
    /// A resend also waits until the whole outbox was last sent at least
    /// `olderThan` ago, so a long outbox sent at link-up is not sent again
    /// while its receipts are still coming in.
    func flushOutbox(to peer: DeviceFingerprint, olderThan age: Duration = .zero) {
        guard directory.isLinked(peer) else { return }
        let now = clock.now
        if age > .zero, let sent = outboxSentAt[peer], now - sent < age { return }
        let cutoff = clock.unixMilliseconds &- UInt64(age.wholeMilliseconds)
        do {
            let due = try store.outbox(for: peer).filter { age == .zero || $0.sentAt <= cutoff }
            guard !due.isEmpty else { return }
            outboxSentAt[peer] = now
            links.send(due.map(chatFrame), to: peer)
        } catch {
            logRepeating(.error, "could not read the outbox", error: error)
        }
    }

    func chatFrame(_ message: ChatMessage) -> Frame {
        .chat(sequence: message.sequence, id: message.id, sentAt: message.sentAt, text: message.text)
    }

    func messageView(_ message: ChatMessage, kind: APIEvent.Kind) -> MessageView {
        MessageView(
            type: kind, id: message.id.hex, peer: message.peer.compact, peerName: name(of: message.peer),
            direction: message.direction, text: message.text, sequence: message.sequence,
            sentAt: message.sentAt, receivedAt: message.receivedAt, delivery: message.delivery)
    }
}
