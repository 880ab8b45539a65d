public import Glibc

/// A `host:port` entry from the config file, for networks where multicast is
/// blocked. The device behind it is learned in the handshake.
public struct StaticPeer: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    /// Parses `host:port`, `[v6]:port`; throws naming the entry otherwise.
    public init(parsing text: String) throws(DiscoveryError) {
        let trimmed = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        guard let colon = trimmed.lastIndex(of: ":"), let port = UInt16(trimmed[trimmed.index(after: colon)...]), port != 0 else {
            throw .invalidStaticPeer(text)
        }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw .invalidStaticPeer(text) }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw .invalidStaticPeer(text)  // an IPv6 address needs brackets
        }
        guard !host.isEmpty, !host.contains(" ") else { throw .invalidStaticPeer(text) }
        if HostAddress.kind(of: host) == .ipv6LinkLocal && !host.contains("%") { throw .linkLocalWithoutInterface(text) }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The configuration's static peers as a discovery source: each is sighted at
/// start and stays sighted (the daemon keeps dialling it while no link from
/// its address is up).
public struct StaticPeerSource: DiscoverySource {
    public let peers: [StaticPeer]
    public var name: String { "static peers" }

    public init(peers: [StaticPeer]) {
        self.peers = peers
    }

    public func run(report: @escaping @Sendable (DiscoveryEvent) async -> Void) async throws {
        for peer in peers {
            // A link reports the IP it came from: a host name is resolved
            // here so that the daemon can tell the peer is already linked.
            let addresses = Self.resolve(peer.host)
            await report(.appeared(DiscoveredPeer(key: .endpoint(peer), addresses: addresses.isEmpty ? [peer.host] : addresses, tcpPort: peer.port)))
        }
        // Nothing changes until shutdown: wait for cancellation without a timer.
        let (untilCancelled, continuation) = AsyncStream<Never>.makeStream()
        await withTaskCancellationHandler {
            for await _ in untilCancelled {}
        } onCancel: {
            continuation.finish()
        }
    }
}

extension StaticPeerSource {
    /// The addresses of `host` in dialling order (``HostAddress/dialOrder(_:)``:
    /// IPv4 first, then IPv6), or `host` itself normalised when it is already
    /// an address (`fe80::1%eth0` keeps its interface); empty when the name
    /// does not resolve now (the daemon then dials the name and the resolver
    /// tries again).
    static func resolve(_ host: String) -> [String] {
        if HostAddress.kind(of: host) != .name { return [HostAddress.normalised(host)] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr, let text = HostAddress.text(address) { addresses.append(text) }
            entry = current.pointee.ai_next
        }
        return HostAddress.dialOrder(addresses)
    }
}

/// The dotted text of an IPv4 socket address (`sa_family` must be AF_INET):
/// how the resolver's answers and the interfaces' addresses are compared
/// with the address a link reports.
public func ipv4Text(_ address: UnsafePointer<sockaddr>) -> String {
    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
        var raw = ipv4.pointee.sin_addr
        _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
    }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
