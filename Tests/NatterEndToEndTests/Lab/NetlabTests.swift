import Foundation
import LabSupport
import Testing

/// The lab itself: hosts that reach each other and nothing else, a router
/// between two subnets, impairments that do what they say, teardown that
/// leaves nothing behind, and mDNS kept out of the machine's own namespace.
@Suite("The namespace lab", .enabled(if: LabGate.isAvailable), .serialized)
struct NetlabTests {
    static func ping(_ lab: Lab, from host: LabHost, to address: String, count: Int = 1, interval: String = "0.2") async throws -> LabResult {
        try await lab.run(on: host, ["ping", "-n", "-q", "-c", "\(count)", "-i", interval, "-W", "1", address], timeout: .seconds(60))
    }

    /// "N packets transmitted, M received, +D duplicates" → (sent, received, duplicates).
    static func pingCounts(_ output: String) -> (Int, Int, Int) {
        let line = output.split(separator: "\n").first { $0.contains("packets transmitted") } ?? ""
        let numbers = line.split(whereSeparator: { !$0.isNumber && $0 != "+" }).map(String.init)
        let sent = Int(numbers.first ?? "") ?? 0
        let received = Int(numbers.dropFirst().first ?? "") ?? 0
        let duplicates = numbers.first { $0.hasPrefix("+") }.flatMap { Int($0.dropFirst()) } ?? 0
        return (sent, received, duplicates)
    }

    @Test func hostsReachEachOtherAndAreTornDownCompletely() async throws {
        let lab = try await Lab.create(hosts: 2)
        let (h1, h2) = (lab.hosts[0], lab.hosts[1])
        #expect(try await Self.ping(lab, from: h1, to: h2.address).status == 0)
        let daemon = try await lab.spawn(on: h1, ["sleep", "600"])
        await lab.destroy()
        #expect(!daemon.isRunning, "processes started on a host are stopped at teardown")
        let namespaces = try await runCommand(["/usr/sbin/ip", "netns", "list"], timeout: .seconds(5)).stdout
        #expect(!namespaces.contains("nl-\(lab.name)-"), "no namespace left: \(namespaces)")
        #expect(!FileManager.default.fileExists(atPath: "/run/natter-lab/\(lab.name)"))
    }

    @Test func avahiAndDbusRunOnlyInsideLabHosts() async throws {
        try await withLab(hosts: 2) { lab in
            let ownNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
            var daemons = 0
            for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") where Int32(entry) != nil {
                guard let command = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8),
                    command.hasPrefix("avahi-daemon"),
                    let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/ns/net")
                else { continue }
                daemons += 1
                #expect(namespace != ownNamespace, "avahi-daemon \(entry) runs in the default network namespace")
            }
            #expect(daemons >= 2, "one avahi-daemon per host")
        }
    }

    @Test func twoSubnetsAreJoinedByARouterButMDNSStaysOnItsOwnSubnet() async throws {
        try await withLab(hosts: 2, router: true) { lab in
            let (h1, h2) = (lab.hosts[0], lab.hosts[1])
            #expect(h1.address.hasPrefix("10.231.1.") && h2.address.hasPrefix("10.231.2."))
            #expect(try await Self.ping(lab, from: h1, to: h2.address).status == 0, "routed between subnets")
            let publisher = try await lab.spawn(on: h2, ["avahi-publish", "-s", "far-away", "_natter._tcp", "4000"])
            try await publisher.waitForLine(containing: "Established", timeout: .seconds(10))
            let browse = try await lab.run(on: h1, ["avahi-browse", "-t", "-p", "_natter._tcp"], timeout: .seconds(15))
            #expect(!browse.stdout.contains("far-away"), "mDNS does not cross the router")
        }
    }

    @Test func impairmentsDropDelayAndDuplicateThenClear() async throws {
        try await withLab(hosts: 2) { lab in
            let (h1, h2) = (lab.hosts[0], lab.hosts[1])
            try await lab.impair(h2, loss: 100)
            #expect(Self.pingCounts(try await Self.ping(lab, from: h1, to: h2.address, count: 3).stdout).1 == 0, "all lost")

            try await lab.impair(h2, delayMilliseconds: 20)
            let delayed = try await Self.ping(lab, from: h1, to: h2.address, count: 5).stdout
            let average = delayed.split(separator: "\n").first { $0.contains("rtt") }?.split(separator: "/").dropFirst(4).first.flatMap { Double($0) } ?? 0
            #expect(average >= 38 && average < 200, "20 ms each way: round trip \(average) ms")

            try await lab.impair(h2, duplicate: 50)
            let (sent, received, duplicates) = Self.pingCounts(try await Self.ping(lab, from: h1, to: h2.address, count: 40, interval: "0.02").stdout)
            #expect(sent == 40 && received == 40 && duplicates > 5, "duplicates: \(duplicates)")

            try await lab.impair(h2, loss: 30)
            let (_, lossy, _) = Self.pingCounts(try await Self.ping(lab, from: h1, to: h2.address, count: 100, interval: "0.01").stdout)
            #expect(lossy > 20 && lossy < 80, "about half the round trips survive 30 % loss each way: \(lossy)")

            try await lab.clearImpairment(h2)
            let clear = try await Self.ping(lab, from: h1, to: h2.address, count: 20, interval: "0.01").stdout
            #expect(Self.pingCounts(clear) == (20, 20, 0))
        }
    }
}
