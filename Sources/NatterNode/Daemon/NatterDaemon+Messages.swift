import Logging
import NatterAPI
import NatterCore
import NatterWire

extension NatterDaemon {
    /// Stores a new outgoing message and sends it if the colleague is linked;
    /// otherwise it waits in the outbox. Empty (whitespace-only) and oversized
    /// texts are refused here, so they never reach a colleague.
    func sendMessage(to query: String, text: String) throws(APIFailure) -> MessageView {
        if let problem = MessageText.validate(text) { throw .badRequest(problem.description) }
        let peer = try resolve(query)
        let sentAt = clock.unixMilliseconds
        var generator = SystemRandomNumberGenerator()
        let message = ChatMessage(
            id: MessageID(unixMilliseconds: sentAt, using: &generator), peer: peer, direction: .outgoing,
            text: text, sequence: nextSequence(), sentAt: sentAt, receivedAt: nil, delivery: .queued)
        do {
            try store.insertOutgoing(message)
        } catch {
            throw APIFailure(error)
        }
        let view = messageView(message, kind: .message)
        events.publish(.message(view))
        if directory.isLinked(peer) { send(chatFrame(message), to: peer) }
        return view
    }

    func history(with query: String, limit: Int) throws(APIFailure) -> [MessageView] {
        let peer = try resolve(query)
        do {
            return try store.history(with: peer, limit: limit).map { messageView($0, kind: .message) }
        } catch {
            throw APIFailure(error)
        }
    }

    /// An incoming chat message: store it (once), acknowledge it only after the
    /// store committed, clear the sender's typing indicator, show it.
    func receiveChat(id: MessageID, sequence: UInt64, sentAt: UInt64, text: String, from peer: DeviceFingerprint) {
        guard MessageText.validate(text) == nil else {
            // Never stored or shown, but acknowledged: resending cannot make
            // it valid, and an unacknowledged message is resent forever.
            logger.notice("dropped an empty or oversized chat message (acknowledged)", metadata: ["peer": "\(peer.compact.prefix(8))"])
            send(.ack(sequence: 0, id: id), to: peer)
            return
        }
        let message = ChatMessage(
            id: id, peer: peer, direction: .incoming, text: text, sequence: sequence,
            sentAt: sentAt, receivedAt: clock.unixMilliseconds, delivery: .received)
        let isNew: Bool
        do {
            isNew = try store.insertIncoming(message)
        } catch {
            // Not acknowledged, so the sender keeps it in its outbox and retries.
            logRepeating(.error, "could not store an incoming message; the sender will retry", error: error)
            return
        }
        send(.ack(sequence: 0, id: id), to: peer)
        guard isNew else { return }
        events.publish(.message(messageView(message, kind: .message)))
        let now = clock.now
        publishShown(sessionStates.remoteMessage(sequence: sequence, from: peer, at: now))
        emit(sessionStates.messageReceived(from: peer, at: now))
    }

    func receiveAck(_ id: MessageID, from peer: DeviceFingerprint) {
        do {
            guard let delivered = try store.markDelivered(id, to: peer, at: clock.unixMilliseconds) else {
                return receiveGroupAck(id, from: peer)
            }
            events.publish(.delivery(messageView(delivered, kind: .delivery)))
        } catch {
            logRepeating(.error, "could not record a delivery receipt", error: error)
        }
    }

    /// Sends every queued message for `peer`, oldest first; `olderThan` limits
    /// it to messages sent at least that long ago (a resend on a live link).
    func flushOutbox(to peer: DeviceFingerprint, olderThan age: Duration = .zero) {
        guard directory.isLinked(peer) else { return }
        let cutoff = clock.unixMilliseconds &- UInt64(age.wholeMilliseconds)
        do {
            for message in try store.outbox(for: peer) where age == .zero || message.sentAt <= cutoff {
                send(chatFrame(message), to: peer)
            }
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
