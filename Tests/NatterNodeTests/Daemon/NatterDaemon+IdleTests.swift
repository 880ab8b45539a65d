import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import Synchronization
import Testing

/// The daemon and the desktop's idle sources, on the test clock: a fake
/// source stands in for logind, the X server or the terminals.
@Suite("Daemon idle sources: privacy, looks, away from the computer")
struct NatterDaemonIdleTests {
    let office = Office()

    /// An idle source whose answer the test sets, counting how often it is asked.
    final class FakeSource: IdleSource {
        let name = "fake"
        let kind = IdleSourceKind.terminals
        let reportsLocks: Bool
        private let state = Mutex<(answer: IdleObservation?, looks: Int)>((.silent, 0))

        init(reportsLocks: Bool = false) { self.reportsLocks = reportsLocks }

        func look() async -> IdleObservation? {
            state.withLock { state in
                state.looks += 1
                return state.answer
            }
        }

        func answer(_ observation: IdleObservation?) { state.withLock { $0.answer = observation } }
        var looks: Int { state.withLock { $0.looks } }

        /// Waits (in real time, briefly) until the daemon has asked more than `count` times.
        func waitForLook(after count: Int) async -> Bool {
            let deadline = ContinuousClock.now + EventRecorder.patience
            while looks <= count && ContinuousClock.now < deadline { await Task.yield() }
            return looks > count
        }
    }

    func openWindow(_ from: TestPeer, with peer: String) async throws -> UInt32 {
        let window = try await from.call("POST", "/v1/windows", OpenWindowRequest(peer: peer), as: WindowView.self)
        _ = try await from.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .focused), as: EmptyReply.self)
        return window.window
    }

    @Test func withSharingOffNoSourceIsEverAsked() async throws {
        let source = FakeSource()
        let alice = try office.peer("Alice", idleSources: [source]), bob = try office.peer("Bob")
        await office.link(alice, bob)
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: nil), as: StatusView.self)
        _ = try await openWindow(alice, with: "Bob")
        for _ in 0..<3 {
            office.clock.advance(by: .seconds(200))
            await Task.yield()
        }
        #expect(source.looks == 0, "privacy off: no detection at all")

        // Sharing on: detection starts with a look.
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: true, peer: nil), as: StatusView.self)
        #expect(await source.waitForLook(after: 0))
        await alice.stop(); await bob.stop()
    }

    @Test func noWindowNoLook() async throws {
        let source = FakeSource()
        let alice = try office.peer("Alice", idleSources: [source])
        for _ in 0..<3 {
            office.clock.advance(by: .seconds(200))
            await Task.yield()
        }
        #expect(source.looks == 0, "nothing pending: no polling")
        await alice.stop()
    }

    @Test func busyInAnotherProgramIsNotAwayUntilTheInputStops() async throws {
        let source = FakeSource()
        source.answer(.idle(for: .seconds(10)))
        let alice = try office.peer("Alice", idleSources: [source]), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let mark = await bob.events.mark
        _ = try await openWindow(alice, with: "Bob")
        #expect(await source.waitForLook(after: 0), "detection starts with a look")

        // At the away deadline the source says the user typed 10 s ago: not away.
        // Three sleepers: both daemons' maintenance rounds and Alice's timer,
        // which is armed again only once the daemon has taken the look's answer
        // (advancing before that would date the answer after the advance).
        let looked = source.looks
        await office.clock.waitForSleepers(3)
        office.clock.advance(by: SessionStateTimings().away)
        #expect(await source.waitForLook(after: looked), "looked at the away deadline")

        // The input stops: at the next deadline the source has seen nothing for the whole preset.
        source.answer(.idle(for: .seconds(400)))
        let again = source.looks
        await office.clock.waitForSleepers(3)
        office.clock.advance(by: SessionStateTimings().away)
        #expect(await source.waitForLook(after: again))
        let away = await bob.events.first(after: mark) { $0.isState(.away, of: "Alice") }
        #expect(away != nil, "away once no input is seen anywhere")
        let before = await bob.events.count(after: mark) { event in
            if case .state(let view) = event { view.state != .away } else { false }
        }
        #expect(before == 0, "Bob saw nothing but the away")
        await alice.stop(); await bob.stop()
    }

    @Test func aLockedScreenIsAwayAtOnceAndUnlockingClearsItWithinALookInterval() async throws {
        let source = FakeSource(reportsLocks: true)
        source.answer(.locked)
        let alice = try office.peer("Alice", idleSources: [source]), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let mark = await bob.events.mark
        _ = try await openWindow(alice, with: "Bob")
        #expect(await bob.events.first(after: mark) { $0.isState(.away, of: "Alice") } != nil, "locked: away without waiting for the preset")

        // A source that reports locks is asked every few seconds: the unlock is seen within one interval.
        source.answer(.silent)
        let unlocked = await bob.events.mark
        let looked = source.looks
        await office.clock.waitForSleepers(3)
        office.clock.advance(by: DesktopIdle.defaultLookInterval)
        #expect(await source.waitForLook(after: looked))
        #expect(await bob.events.first(after: unlocked) { $0.isState(.active, of: "Alice") } != nil)
        await alice.stop(); await bob.stop()
    }
}
