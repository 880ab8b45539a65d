import Glibc
import CNIOLinux  // owns sockaddr_in6's members in some builds (MemberImportVisibility)
import NIOCore
import NatterDiscovery

extension SocketAddress {
    /// The host in natter's one form (``HostAddress``): what a link records as
    /// its remote and local host, and what the rate limits count by. Not
    /// NIO's `ipAddress`, which shows an IPv4 peer on the dual-stack
    /// listener as `::ffff:10.0.0.7` (one colleague seen under two
    /// addresses) and drops a link-local address's interface (a datagram
    /// target that names no link).
    ///
    /// On the path of every datagram and connection, before any rate limit,
    /// so it stays as cheap as `ipAddress` (`inet_ntop`): a mapped address
    /// loses its prefix, and only a link-local one looks up its interface's
    /// name (cached, ``HostAddress/interfaceName(index:)``).
    var normalisedHost: String? {
        switch self {
        case .v4:
            return ipAddress
        case .v6(let address):
            guard let text = ipAddress else { return nil }
            // inet_ntop writes an IPv4-mapped address as `::ffff:a.b.c.d`.
            if text.hasPrefix("::ffff:"), text.contains(".") { return String(text.dropFirst(7)) }
            let raw = address.address
            let linkLocal = withUnsafeBytes(of: raw.sin6_addr) { $0[0] == 0xfe && $0[1] & 0xc0 == 0x80 }
            guard linkLocal, raw.sin6_scope_id != 0, let interface = HostAddress.interfaceName(index: Int32(bitPattern: raw.sin6_scope_id)) else {
                return text
            }
            return text + "%" + interface
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
