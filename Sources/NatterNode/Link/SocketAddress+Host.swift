import Glibc
public import NIOCore
import NatterDiscovery

extension SocketAddress {
    /// The host in natter's one form (``HostAddress``): what a link records as
    /// its remote and local host, and what the rate limits count by. Not
    /// NIO's `ipAddress`, which shows an IPv4 peer on the dual-stack
    /// listener as `::ffff:10.0.0.7` (one colleague seen under two
    /// addresses) and drops a link-local address's interface (a datagram
    /// target that names no link).
    var normalisedHost: String? {
        switch self {
        case .v4(let address):
            var raw = address.address
            return withUnsafePointer(to: &raw) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { HostAddress.text($0) } }
        case .v6(let address):
            var raw = address.address
            return withUnsafePointer(to: &raw) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { HostAddress.text($0) } }
        case .unixDomainSocket:
            return nil
        }
    }

    /// Where to send to `host:port` from a socket of `family`: an IPv4
    /// address from an IPv6 (dual-stack) socket as its IPv4-mapped form, so
    /// one UDP socket reaches colleagues of both families.
    static func target(host: String, port: Int, from family: NIOBSDSocket.ProtocolFamily?) throws -> SocketAddress {
        let address = try SocketAddress(ipAddress: host, port: port)
        guard family == .inet6, case .v4 = address else { return address }
        return try SocketAddress(ipAddress: "::ffff:" + host, port: port)
    }
}
