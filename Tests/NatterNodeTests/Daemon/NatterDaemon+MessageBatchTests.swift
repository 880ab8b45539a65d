import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// `POST /v1/messages/batch` in real daemons with real SQLite stores, over
/// links in memory: answered once all are on disk, sent and delivered once
/// each in order, refused whole when a bound is broken.
@Suite("Daemon batched send: one request, many messages")
struct NatterDaemonMessageBatchTests {
    let office = Office()

    func chatSequences(from alice: TestPeer, to bob: TestPeer) -> [UInt64] {
        office.network.frames(from: alice.fingerprint, to: bob.fingerprint).compactMap { frame -> UInt64? in
            if case .chat(let sequence, _, _, _) = frame { sequence } else { nil }
        }
    }

    @Test func aBatchIsStoredSentAndDeliveredOnceEachInOrder() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let aliceMark = await alice.events.mark, bobMark = await bob.events.mark
        let texts = (1...300).map { "b\($0)" }
        let sent = try await alice.call("POST", "/v1/messages/batch", SendBatchRequest(peer: "Bob", texts: texts), as: [MessageView].self)
        #expect(sent.map(\.text) == texts && sent.allSatisfy { $0.delivery == .queued })
        #expect(sent.map(\.sequence) == sent.map(\.sequence).sorted() && Set(sent.map(\.sequence)).count == 300)
        // Answered only once stored: every message is in Alice's history now.
        let stored = try await alice.daemon.store.history(with: bob.fingerprint, limit: 1000)
        #expect(stored.map(\.text) == texts, "on Alice's disk, in the batch's order, when the request is answered")

        await alice.events.expectEvent(after: aliceMark) { $0.isDelivery(of: sent.last!.id) }
        await alice.daemon.finishCommits(); await bob.daemon.finishCommits()
        #expect(chatSequences(from: alice, to: bob) == sent.map(\.sequence), "each sent once, in order")
        let shown = await bob.events.all[bobMark...].compactMap { event -> String? in
            if case .message(let message) = event { message.text } else { nil }
        }
        #expect(shown == texts, "shown once each, in order")
        let bobsHistory = try await bob.call("GET", "/v1/messages?peer=Alice&limit=1000", as: [MessageView].self)
        #expect(bobsHistory.map(\.text) == texts, "Bob's history keeps the batch's order")
        let alicesHistory = try await alice.call("GET", "/v1/messages?peer=Bob&limit=1000", as: [MessageView].self)
        #expect(alicesHistory.count == 300 && alicesHistory.allSatisfy { $0.delivery == .delivered }, "every receipt recorded")
        await alice.stop(); await bob.stop()
    }

    @Test func aBatchBreakingABoundIsRefusedWholeAndNothingIsStored() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let tooMany = Array(repeating: "x", count: MessageBatch.maximumCount + 1)
        let refused: [([String], MessageBatch.Problem)] = [
            ([], .empty),
            (tooMany, .tooMany(count: tooMany.count)),
            (["fine", " ", "fine"], .text(index: 1, .empty)),
        ]
        for (texts, problem) in refused {
            await #expect(throws: APICallError(status: 400, message: problem.description)) {
                _ = try await alice.call("POST", "/v1/messages/batch", SendBatchRequest(peer: "Bob", texts: texts), as: [MessageView].self)
            }
        }
        await #expect(throws: APICallError(status: 404, message: PeerResolver.Failure.noMatch("Nobody").description)) {
            _ = try await alice.call("POST", "/v1/messages/batch", SendBatchRequest(peer: "Nobody", texts: ["hi"]), as: [MessageView].self)
        }
        await alice.daemon.finishCommits()
        #expect(try await alice.daemon.store.history(with: bob.fingerprint, limit: 1000).isEmpty, "nothing of a refused batch is stored")
        #expect(chatSequences(from: alice, to: bob).isEmpty, "nor sent")
        await alice.stop(); await bob.stop()
    }

    @Test func aBatchThatCannotBeStoredSaysSoAndSendsNothing() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        try await alice.daemon.store.simulateFullDisk()
        // Larger than a page each: storing any of them needs a page the full disk refuses.
        let texts = Array(repeating: String(repeating: "x", count: 5000), count: 20)
        do {
            _ = try await alice.call("POST", "/v1/messages/batch", SendBatchRequest(peer: "Bob", texts: texts), as: [MessageView].self)
            Issue.record("a batch on a full disk was answered as stored")
        } catch let error as APICallError {
            #expect(error.status == 500)
            #expect(error.message.hasSuffix("(0 of 20 messages were stored and will be sent)"), "\(error.message)")
        }
        await alice.daemon.finishCommits()
        #expect(chatSequences(from: alice, to: bob).isEmpty, "nothing stored, so nothing sent")
        await alice.stop(); await bob.stop()
    }
}
