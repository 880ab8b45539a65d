import Logging
import NatterCore
import NatterWire

extension NatterDaemon {
    /// Stores a new outgoing message and sends it if the colleague is linked;
    /// otherwise it waits in the outbox.
    func sendMessage(to query: String, text: String) throws(APIFailure) -> MessageView {
        if let problem = MessageText.validate(text) { throw .badRequest(problem.description) }
        let peer = try resolve(query)
        let sentAt = now()
        var generator = SystemRandomNumberGenerator()
        let message = ChatMessage(
            id: MessageID(unixMilliseconds: sentAt, using: &generator), peer: peer, direction: .outgoing,
            text: text, sequence: nextSequence(), sentAt: sentAt, receivedAt: nil, delivery: .queued)
        do {
            try store.insertOutgoing(message)
        } catch {
            throw APIFailure(error)
        }
        let view = messageView(message, type: "message")
        events.publish("message", view)
        if linked.contains(peer) {
            send(.chat(sequence: message.sequence, id: message.id, sentAt: message.sentAt, text: message.text), to: peer)
        }
        return view
    }

    func history(with query: String, limit: Int) throws(APIFailure) -> [MessageView] {
        let peer = try resolve(query)
        do {
            return try store.history(with: peer, limit: limit).map { messageView($0, type: "message") }
        } catch {
            throw APIFailure(error)
        }
    }

    /// An incoming chat message: store it (once), acknowledge it only after the
    /// store committed, clear the sender's typing indicator, show it.
    func receiveChat(id: MessageID, sequence: UInt64, sentAt: UInt64, text: String, from peer: DeviceFingerprint) {
        guard MessageText.validate(text) == nil else {
            logger.notice("dropped an invalid chat message", metadata: ["peer": "\(peer.compact.prefix(8))"])
            return
        }
        let message = ChatMessage(
            id: id, peer: peer, direction: .incoming, text: text, sequence: sequence,
            sentAt: sentAt, receivedAt: now(), delivery: .received)
        let isNew: Bool
        do {
            isNew = try store.insertIncoming(message)
        } catch {
            // Not acknowledged, so the sender keeps it in its outbox and retries.
            logger.error("could not store an incoming message; the sender will retry", metadata: ["error": "\(error)"])
            return
        }
        send(.ack(sequence: 0, id: id), to: peer)
        guard isNew else { return }
        events.publish("message", messageView(message, type: "message"))
        let instant = clock.now
        publishShown(sessionStates.remoteMessage(sequence: sequence, from: peer, at: instant))
        emit(sessionStates.messageReceived(from: peer, at: instant))
    }

    func receiveAck(_ id: MessageID, from peer: DeviceFingerprint) {
        do {
            guard let delivered = try store.markDelivered(id, at: now()), delivered.peer == peer else { return }
            events.publish("delivery", messageView(delivered, type: "delivery"))
        } catch {
            logger.error("could not record a delivery receipt", metadata: ["error": "\(error)"])
        }
    }

    /// Sends every queued message for `peer`, oldest first; `olderThan` limits
    /// it to messages sent at least that long ago (a resend on a live link).
    func flushOutbox(to peer: DeviceFingerprint, olderThan age: UInt64 = 0) {
        guard linked.contains(peer) else { return }
        let cutoff = now() &- age
        do {
            for message in try store.outbox(for: peer) where age == 0 || message.sentAt <= cutoff {
                send(.chat(sequence: message.sequence, id: message.id, sentAt: message.sentAt, text: message.text), to: peer)
            }
        } catch {
            logger.error("could not read the outbox", metadata: ["error": "\(error)"])
        }
    }

    func messageView(_ message: ChatMessage, type: String) -> MessageView {
        MessageView(
            type: type, id: message.id.hex, peer: message.peer.compact, peerName: name(of: message.peer),
            direction: message.direction.rawValue, text: message.text, sequence: message.sequence,
            sentAt: message.sentAt, receivedAt: message.receivedAt, delivery: message.delivery.rawValue)
    }
}
