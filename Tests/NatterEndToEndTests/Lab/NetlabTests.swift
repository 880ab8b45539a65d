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

    @Test func theRouterPublishesIntoBothSubnetsAndAHostOnlyIntoItsOwn() async throws {
        try await withLab(hosts: 2, router: true) { lab in
            let (h1, h2, router) = (lab.hosts[0], lab.hosts[1], try #require(lab.router))
            let near = try await lab.spawn(on: h1, ["avahi-publish", "-s", "near-h1", "_nltest._tcp", "4000"])
            let middle = try await lab.spawn(on: router, ["avahi-publish", "-s", "on-router", "_nltest._tcp", "4001"])
            try await near.waitForLine(containing: "Established", timeout: .seconds(10))
            try await middle.waitForLine(containing: "Established", timeout: .seconds(10))
            let here = try await lab.run(on: h1, ["avahi-browse", "-t", "-r", "-p", "_nltest._tcp"], timeout: .seconds(15)).stdout
            let there = try await lab.run(on: h2, ["avahi-browse", "-t", "-r", "-p", "_nltest._tcp"], timeout: .seconds(15)).stdout
            #expect(here.contains("on-router") && here.contains(";\(lab.routerAddress(facing: h1));4001;"), "h1 sees the router at its own leg:\n\(here)")
            #expect(there.contains("on-router") && there.contains(";\(lab.routerAddress(facing: h2));4001;"), "h2 sees the router at its own leg:\n\(there)")
            #expect(here.contains("near-h1"))
            #expect(!there.contains("near-h1"), "h1's record must not cross the router:\n\(there)")
        }
    }

    /// A one-line TCP service for reachability checks: answers "hello" to at most 20 connections within 60 s.
    static let helloServer = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8); s.settimeout(60)
        for _ in range(20):
            c, _ = s.accept(); c.recv(256); c.sendall(b"hello\\n"); c.close()
        """

    /// Connects (2 s timeout), sends argv[3], prints the answer; exit status 1 when unreachable.
    static let helloClient = """
        import socket, sys
        try:
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
            c.sendall(sys.argv[3].encode()); print(c.recv(16).decode().strip())
        except OSError as e:
            print("unreachable:", e); sys.exit(1)
        """

    static func reaches(_ lab: Lab, from host: LabHost, _ address: String, port: Int = 5000, saying text: String = "hi") async throws -> Bool {
        let result = try await lab.run(on: host, ["python3", "-c", helloClient, address, "\(port)", text], timeout: .seconds(10))
        return result.status == 0 && result.stdout.contains("hello")
    }

    @Test func aBlockedRouteDropsTrafficBetweenSubnetsButNotToAndFromTheRouter() async throws {
        try await withLab(hosts: 2, router: true) { lab in
            let (h1, h2, router) = (lab.hosts[0], lab.hosts[1], try #require(lab.router))
            let far = try await lab.spawn(on: h2, ["python3", "-c", Self.helloServer, "5000"])
            let middle = try await lab.spawn(on: router, ["python3", "-c", Self.helloServer, "5000"])
            try await waitUntil("both servers to answer", timeout: .seconds(10), detail: { far.output() + middle.output() }) {
                try await Self.reaches(lab, from: h1, h2.address)
            }
            #expect(try await Self.reaches(lab, from: h1, lab.routerAddress(facing: h1)))

            try await lab.blockRoute()
            #expect(try await !Self.reaches(lab, from: h1, h2.address), "h1 → h2 crosses the router: dropped")
            #expect(try await Self.reaches(lab, from: h1, lab.routerAddress(facing: h1)), "h1 → r is not forwarded: flows")
            #expect(try await Self.reaches(lab, from: h1, lab.routerAddress(facing: h2)), "r's other leg is r too")
            #expect(try await Self.reaches(lab, from: h2, lab.routerAddress(facing: h2)))

            try await lab.openRoute()
            #expect(try await Self.reaches(lab, from: h1, h2.address), "open again")
        }
    }

    @Test func aCaptureOnTheRouterRecordsWhatCrossesIt() async throws {
        try await withLab(hosts: 2, router: true) { lab in
            let (h1, h2, router) = (lab.hosts[0], lab.hosts[1], try #require(lab.router))
            let server = try await lab.spawn(on: h2, ["python3", "-c", Self.helloServer, "5000"])
            try await waitUntil("the server to answer", timeout: .seconds(10), detail: { server.output() }) {
                try await Self.reaches(lab, from: h1, h2.address)
            }
            let path = NSTemporaryDirectory() + "natter-lab-\(lab.name)-capture.pcap"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let capture = try await lab.startCapture(on: router, to: path)
            let marker = "marker-\(UUID().uuidString)"
            #expect(try await Self.reaches(lab, from: h1, h2.address, saying: marker))
            try await lab.stopCapture(capture)

            let bytes = try #require(FileManager.default.contents(atPath: path))
            let packets = Self.pcapRecordCount(Array(bytes))
            // A TCP connection routed through r: at least its handshake, data and close, each seen on both legs.
            #expect(packets >= 10, "\(packets) packets in \(bytes.count) bytes")
            #expect(bytes.range(of: Data(marker.utf8)) != nil, "the payload sent across r is in the capture")
            // Stopped means stopped: nothing more is written.
            #expect(try await Self.reaches(lab, from: h1, h2.address))
            #expect(FileManager.default.contents(atPath: path)?.count == bytes.count)
        }
    }

    /// Records in a classic little-endian pcap file (24-byte header, then 16-byte record headers), -1 if not pcap.
    static func pcapRecordCount(_ bytes: [UInt8]) -> Int {
        func u32(_ offset: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        guard bytes.count >= 24, [0xd4, 0xc3, 0xb2, 0xa1].elementsEqual(bytes.prefix(4)) else { return -1 }
        var offset = 24, count = 0
        while offset + 16 <= bytes.count {
            offset += 16 + u32(offset + 8)
            count += 1
        }
        return offset == bytes.count ? count : -1
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
