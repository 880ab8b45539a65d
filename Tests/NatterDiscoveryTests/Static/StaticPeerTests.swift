import NatterDiscovery
import Testing

@Suite("Static peers from the config file")
struct StaticPeerTests {
    @Test func hostAndPortForms() throws {
        for (text, host, port) in [("10.0.0.7:7300", "10.0.0.7", 7300), (" desk-12.office.lan:47101 ", "desk-12.office.lan", 47101),
            ("[fe80::1%eth0]:7300", "fe80::1%eth0", 7300), ("[2001:db8::1]:7300", "2001:db8::1", 7300)] {
            let peer = try StaticPeer(parsing: text)
            #expect(peer.host == host && peer.port == UInt16(port), "\(text)")
        }
    }

    @Test func malformedEntriesAreAClearError() {
        for text in ["10.0.0.7", "10.0.0.7:0", "10.0.0.7:70000", "fe80::1:7300", "[fe80::1:7300", ":7300", "a b:1", ""] {
            #expect(throws: DiscoveryError.invalidStaticPeer(text)) { try StaticPeer(parsing: text) }
        }
        #expect(DiscoveryError.invalidStaticPeer("x").description.contains("host:port"))
        #expect(throws: DiscoveryError.linkLocalWithoutInterface("[fe80::1]:7300"), "it could never be dialled") {
            try StaticPeer(parsing: "[fe80::1]:7300")
        }
        #expect(DiscoveryError.linkLocalWithoutInterface("x").description.contains("[fe80::1%eth0]:7300"))
    }
}

@Suite("Static peers as a discovery source")
struct StaticPeerSourceTests {
    @Test func eachPeerIsSightedByItsAddressUntilCancelled() async throws {
        let peers = try ["10.0.0.7:7300", "[fe80::1%eth0]:7301"].map(StaticPeer.init(parsing:))
        let (sightings, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
        let running = Task { try await StaticPeerSource(peers: peers).run { continuation.yield($0) } }
        var seen: [DiscoveryEvent] = []
        for await event in sightings {
            seen.append(event)
            if seen.count == peers.count { break }
        }
        #expect(seen == peers.map { .appeared(DiscoveredPeer(key: .endpoint($0), addresses: [$0.host], tcpPort: $0.port)) })
        #expect(seen.allSatisfy { if case .appeared(let peer) = $0 { peer.fingerprint == nil } else { false } }, "identity comes from the handshake")
        running.cancel()
        try await running.value
        #expect(peers.map(\.description) == ["10.0.0.7:7300", "[fe80::1%eth0]:7301"])
    }

    @Test func aHostNameIsResolvedToTheAddressALinkReports() async throws {
        let (sightings, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
        let running = Task { try await StaticPeerSource(peers: [try StaticPeer(parsing: "localhost:7300")]).run { continuation.yield($0) } }
        var iterator = sightings.makeAsyncIterator()
        guard case .appeared(let peer)? = await iterator.next() else {
            Issue.record("no sighting")
            return
        }
        // IPv4 first; ::1 too where the machine's hosts file says so (both families are dialled, IPv4 first).
        #expect(peer.addresses.first == "127.0.0.1")
        #expect(Set(peer.addresses).isSubset(of: ["127.0.0.1", "::1"]))
        running.cancel()
        try await running.value
    }
}

@Suite("Static peers' addresses")
struct StaticPeerAddressTests {
    @Test func anAddressIsDialledAsWrittenNormalisedWithItsInterface() async throws {
        let peers = try ["[fe80::1%eth0]:7300", "[2001:DB8::1]:7300", "[::ffff:10.0.0.7]:7300"].map(StaticPeer.init(parsing:))
        let (sightings, continuation) = AsyncStream<DiscoveryEvent>.makeStream()
        let running = Task { try await StaticPeerSource(peers: peers).run { continuation.yield($0) } }
        var addresses: [[String]] = []
        for await event in sightings {
            if case .appeared(let peer) = event { addresses.append(peer.addresses) }
            if addresses.count == peers.count { break }
        }
        #expect(addresses == [["fe80::1%eth0"], ["2001:db8::1"], ["10.0.0.7"]], "the forms a link reports, so a linked static peer is not dialled again")
        running.cancel()
        try await running.value
    }
}
