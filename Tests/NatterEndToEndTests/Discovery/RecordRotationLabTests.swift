import Foundation
import LabSupport
import Testing

/// The mDNS record's daily rotation (Docs/protocol.md §3) through the real
/// Avahi layer on lab hosts: two `natter-avahi-probe peer` processes whose
/// clocks start 8 s before a UTC midnight, so the epoch boundary comes
/// during the test.
@Suite("mDNS record rotation on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct RecordRotationLabTests {
    static let probe = LabPaths.product("natter-avahi-probe")

    @Test func atMidnightTheNameChangesAndTheOtherMemberStillKnowsTheDevice() async throws {
        let day: UInt64 = 86_400_000
        let midnight = (UInt64(Date().timeIntervalSince1970 * 1000) / day + 1) * day
        let start = midnight - 8_000
        try await withLab(hosts: 3) { lab in
            let (alice, bob, stranger) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            let a = try await lab.spawn(on: alice, [Self.probe, "peer", "5", "\(start)", "25"])
            let b = try await lab.spawn(on: bob, [Self.probe, "peer", "5", "\(start)", "25"])
            let me = try await a.waitForLine(containing: "me ", timeout: .seconds(10)).dropFirst("me ".count)
            let before = String(try await a.waitForLine(containing: "name ", timeout: .seconds(10)).dropFirst("name ".count))
            try await b.waitForLine(containing: "appeared \(me)", timeout: .seconds(10))
            let seenBefore = try await lab.run(on: stranger, ["avahi-browse", "-t", "-p", "_natter._tcp"], timeout: .seconds(15))
            #expect(seenBefore.stdout.contains(before), "avahi-browse before midnight:\n\(seenBefore.stdout)")

            // Midnight: a new instance name, announced; the old one said goodbye.
            try await waitUntil("Alice's probe publishes a new name after midnight", timeout: .seconds(20), detail: { a.output() }) {
                a.output().split(separator: "\n").filter { $0.hasPrefix("name ") }.count >= 2
            }
            let after = String(a.output().split(separator: "\n").last { $0.hasPrefix("name ") }!.dropFirst("name ".count))
            #expect(after != before && after.hasPrefix("natter-"))
            try await waitUntil("a stranger's avahi sees only the new name", timeout: .seconds(10), every: .milliseconds(500)) {
                let seen = try await lab.run(on: stranger, ["avahi-browse", "-t", "-p", "_natter._tcp"], timeout: .seconds(15)).stdout
                return seen.contains(after) && !seen.contains(before)
            }
            // Bob still knows Alice's device: the old name's goodbye has reached the LAN
            // (above); if Bob had not accepted the new name, his last word about her would be "disappeared".
            try await Task.sleep(for: .seconds(2))
            let aboutAlice = b.output().split(separator: "\n").filter { $0.contains(String(me)) }
            #expect(aboutAlice.first?.hasPrefix("appeared") == true && aboutAlice.last?.hasPrefix("disappeared") == false, "\(b.output())")
            try await b.waitForExit(timeout: .seconds(30))
            let lines = b.output().split(separator: "\n")
            #expect(!(lines.filter { $0.contains(String(me)) }.last!.hasPrefix("disappeared")), "\(b.output())")
            #expect(lines.last == "rejected 0", "no record of the other probe was refused across the boundary:\n\(b.output())")
        }
    }
}
