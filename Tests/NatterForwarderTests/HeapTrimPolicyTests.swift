import NatterForwarder
import Testing

@Suite("When the forwarder trims its heap")
struct HeapTrimPolicyTests {
    @Test func onceAfterAStormIsOverAndNotWhileItLasts() {
        var policy = HeapTrimPolicy(minimumWritten: 1_000, quietBelow: 100)
        let trims = [0, 600, 600, 10, 10, 50].map { policy.secondPassed(written: $0) }
        // Nothing written: nothing to give back; then a storm under way, still under way though
        // past the minimum; quiet after 1,210 bytes: trim, once; quiet seconds add up slowly.
        #expect(trims == [false, false, false, true, false, false])
    }

    @Test func smallTrafficNeverAddsUpToATrimOnItsOwnTooSoon() {
        var policy = HeapTrimPolicy()
        var trims = 0
        for _ in 0..<60 where policy.secondPassed(written: 4_096) { trims += 1 }
        #expect(trims == 0, "a minute of ordinary directory changes: 240 KiB, under the 4 MiB minimum")
    }
}
