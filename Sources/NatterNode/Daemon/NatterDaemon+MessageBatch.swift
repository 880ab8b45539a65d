import NatterAPI
import NatterCore

/// Who is told when an outgoing message's group commit ends.
enum OutgoingAnswer: Sendable {
    /// `POST /v1/messages`: one request, one message.
    case alone(CheckedContinuation<Result<Void, StoreError>, Never>)
    /// `POST /v1/messages/batch`: the batch with this id in ``NatterDaemon/batchAnswers``.
    case batch(Int)
}

/// What a batched send learns once all its messages are settled.
struct BatchOutcome: Sendable {
    let stored: Int
    let firstFailure: StoreError?
}

extension NatterDaemon {
    /// Stores several messages for one colleague and answers once all of them
    /// are on disk, like ``sendMessage(to:text:)`` for each, in one hop into
    /// the daemon: the messages join the group commit together and go out in
    /// the commit's frames, in order. Nothing is stored when a text is refused.
    func sendMessages(to query: String, texts: [String]) async throws(APIFailure) -> [MessageView] {
        if let problem = MessageBatch.validate(texts) { throw .badRequest(problem.description) }
        let peer = try resolve(query)
        let sentAt = clock.unixMilliseconds
        var generator = SystemRandomNumberGenerator()
        let ids = MessageBatch.ids(count: texts.count, unixMilliseconds: sentAt, using: &generator)
        let messages = zip(ids, texts).map { id, text in
            ChatMessage(
                id: id, peer: peer, direction: .outgoing, text: text, sequence: nextSequence(),
                sentAt: sentAt, receivedAt: nil, delivery: .queued)
        }
        let outcome: BatchOutcome = await withCheckedContinuation { answer in
            let batch = batchAnswers.open(count: messages.count, answer: answer)
            for message in messages { enqueue(.outgoing(message, answer: .batch(batch))) }
        }
        if let failure = outcome.firstFailure {
            // Those stored are sent and delivered like any other; say how many.
            throw APIFailure(status: 500, message: "\(failure.description) (\(outcome.stored) of \(messages.count) messages were stored and will be sent)")
        }
        return messages.map { messageView($0, kind: .message) }
    }

    /// Tells the request behind an outgoing message that its commit ended;
    /// a batch's request hears once its last message is settled.
    func answered(_ answer: OutgoingAnswer, _ result: Result<Void, StoreError>) {
        switch answer {
        case .alone(let request):
            request.resume(returning: result)
        case .batch(let id):
            let failure: StoreError? = if case .failure(let error) = result { error } else { nil }
            guard let finished = batchAnswers.settle(id, failure: failure) else { return }
            finished.answer.resume(returning: BatchOutcome(stored: finished.stored, firstFailure: finished.firstFailure))
        }
    }
}
