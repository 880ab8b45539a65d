import Foundation
import LabSupport
import Testing

/// `_natter-fwd._tcp` through NatterDiscovery on lab hosts: the forwarder's
/// publication (``ForwarderRecord``) and a member's ``ForwarderBrowser``, run
/// by `natter-avahi-probe` inside the hosts.
@Suite("Forwarder discovery on lab hosts", .enabled(if: LabGate.isAvailable), .serialized)
struct ForwarderDiscoveryLabTests {
    static let probe = LabPaths.product("natter-avahi-probe")

    @Test func ourTeamsForwarderIsFoundAndAnotherTeamsIsNot() async throws {
        try await withLab(hosts: 3) { lab in
            let (ours, theirs, member) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            let publisher = try await lab.spawn(on: ours, [Self.probe, "publish", "1", "7310", "60"])
            let other = try await lab.spawn(on: theirs, [Self.probe, "publish", "2", "7311", "60"])
            let registered = try await publisher.waitForLine(containing: "registered", timeout: .seconds(10))
            try await other.waitForLine(containing: "registered", timeout: .seconds(10))
            let tag = String(registered.dropFirst("registered ".count))

            // On the wire: v=1 and the tag, seen by the member host's own avahi.
            let wire = try await lab.run(on: member, ["avahi-browse", "-t", "-r", "-p", "_natter-fwd._tcp"], timeout: .seconds(15))
            #expect(wire.stdout.contains("\"t=\(tag)\""), "avahi-browse:\n\(wire.stdout)")
            #expect(wire.stdout.contains("\"v=1\""))
            #expect(wire.stdout.contains(theirs.address), "the other team's forwarder is on the wire too")

            let browser = try await lab.spawn(on: member, [Self.probe, "browse", "1", "12"])
            let found = try await browser.waitForLine(containing: "found", timeout: .seconds(10))
            #expect(found.hasSuffix(" \(ours.address) 7310"), "\(found)")
            // Their record is as visible as ours (avahi-browse saw it); give it the same time, then it must still be absent.
            try await Task.sleep(for: .seconds(2))
            #expect(!browser.output().contains(theirs.address), "\(browser.output())")

            // The forwarder goes away: its record's goodbye reaches the member.
            publisher.signal(SIGTERM)
            try await browser.waitForLine(containing: "lost", timeout: .seconds(10))
            try await browser.waitForExit(timeout: .seconds(20))
            let rejected = try #require(browser.output().split(separator: "\n").last { $0.hasPrefix("rejected ") })
            #expect((Int(rejected.dropFirst("rejected ".count)) ?? 0) >= 1, "the other team's record was counted: \(rejected)")
            #expect(browser.output().components(separatedBy: "found ").count - 1 == 1, "\(browser.output())")
        }
    }

    @Test func aForwarderOnTheRouterIsFoundFromBothSubnetsAtTheirOwnLeg() async throws {
        try await withLab(hosts: 2, router: true) { lab in
            let (near, far, router) = (lab.hosts[0], lab.hosts[1], try #require(lab.router))
            let publisher = try await lab.spawn(on: router, [Self.probe, "publish", "1", "7310", "60"])
            try await publisher.waitForLine(containing: "registered", timeout: .seconds(10))
            for member in [near, far] {
                let browser = try await lab.spawn(on: member, [Self.probe, "browse", "1", "10"])
                let found = try await browser.waitForLine(containing: "found", timeout: .seconds(10))
                #expect(found.hasSuffix(" \(lab.routerAddress(facing: member)) 7310"), "\(member.name): \(found)")
            }
        }
    }
}
