public import Glibc
import Synchronization

/// Addresses as natter compares, keeps and dials them: one text per place a
/// colleague can be reached, whatever told us about it (Avahi, a socket, the
/// configuration, the interfaces), so that one peer is never two
/// (Docs/protocol.md §3.1, "Address families").
///
/// - IPv4 in dotted form; an IPv4-mapped IPv6 address (`::ffff:10.0.0.7`,
///   what a dual-stack socket reports for an IPv4 peer) is that IPv4 address.
/// - IPv6 in its shortest form; a link-local one (`fe80::/10`) carries the
///   interface it is reachable on, `fe80::1%eth0` — without it the address
///   names nothing (every interface has its own `fe80::/64`).
public enum HostAddress {
    /// The kinds of address, in the order a colleague's addresses are dialled.
    public enum Kind: Int, Comparable, Sendable {
        /// An IPv4 address: what an office LAN numbers deliberately, and what a
        /// peer that predates IPv6 support listens on.
        case ipv4
        /// A global or unique-local IPv6 address: unambiguous on every interface.
        case ipv6
        /// A link-local IPv6 address: usable only with its interface.
        case ipv6LinkLocal
        /// Not a numeric address (a host name from the configuration): last.
        case name

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The kind of `text` (after ``normalised(_:)``).
    public static func kind(of text: String) -> Kind {
        let (address, _) = split(normalised(text))
        if ipv4Bytes(address) != nil { return .ipv4 }
        guard let bytes = ipv6Bytes(address) else { return .name }
        return isLinkLocal(bytes) ? .ipv6LinkLocal : .ipv6
    }

    /// `text` in natter's one form: an IPv4-mapped IPv6 address as IPv4, IPv6
    /// in its shortest lowercase form with its `%interface` kept; anything
    /// that is not a numeric address (a host name) unchanged.
    public static func normalised(_ text: String) -> String {
        let (address, scope) = split(text)
        guard let bytes = ipv6Bytes(address) else { return text }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "\(bytes[12]).\(bytes[13]).\(bytes[14]).\(bytes[15])"
        }
        let shortest = ipv6Text(bytes)
        guard let scope, isLinkLocal(bytes) else { return shortest }
        return shortest + "%" + scope
    }

    /// `address` and `port` as a person writes them (and as natter's
    /// configuration reads them): `10.0.0.2:7300`, `[fe80::1%eth0]:7300` —
    /// an IPv6 address in brackets, or its last group would read as the port.
    public static func endpoint(_ address: String, port: Int) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// A colleague's addresses in dialling order: normalised, each once,
    /// IPv4 first, then IPv6, then IPv6 link-local, then names; the order
    /// given is kept within a kind, so the same sightings always give the
    /// same first choice (both sides of a dual-stack LAN agree on nothing
    /// else, and need not: a link is one per colleague whatever its family).
    public static func dialOrder(_ addresses: [String]) -> [String] {
        var seen: Set<String> = []
        let unique = addresses.map(normalised).filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { a, b in
            let (kindA, kindB) = (kind(of: a.element), kind(of: b.element))
            return kindA != kindB ? kindA < kindB : a.offset < b.offset
        }.map(\.element)
    }

    /// `address` as reached through interface `interfaceName`: a link-local
    /// IPv6 address gets the interface as its scope (Avahi reports the
    /// interface beside the address, not in it); any other address is
    /// returned normalised.
    public static func scoped(_ address: String, interfaceName: String?) -> String {
        let (bare, scope) = split(address)
        guard scope == nil, let interfaceName, !interfaceName.isEmpty,
            let bytes = ipv6Bytes(bare), isLinkLocal(bytes)
        else { return normalised(address) }
        return ipv6Text(bytes) + "%" + interfaceName
    }

    /// The name of interface `index`, nil when there is none (it went away).
    /// Remembered once found: `if_indextoname` opens a socket for each
    /// call, and a link-local datagram's source is named on its way in. The
    /// kernel does not reuse an index soon after its interface went away;
    /// a renamed interface keeps its old name here until natter restarts.
    public static func interfaceName(index: Int32) -> String? {
        guard index > 0 else { return nil }
        if let known = interfaceNames.withLock({ $0[index] }) { return known }
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &name) != nil else { return nil }
        let text = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        interfaceNames.withLock { $0[index] = text }
        return text
    }

    private static let interfaceNames = Mutex<[Int32: String]>([:])

    /// The text of a socket address (`AF_INET` or `AF_INET6`), normalised;
    /// nil for other families. A link-local IPv6 address's scope id becomes
    /// its interface's name, as `getifaddrs` shows this machine's own.
    public static func text(_ address: UnsafePointer<sockaddr>) -> String? {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return normalised(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    // MARK: Parsing

    /// The address and its `%scope`, if any.
    private static func split(_ text: String) -> (address: String, scope: String?) {
        guard let percent = text.firstIndex(of: "%") else { return (text, nil) }
        let scope = String(text[text.index(after: percent)...])
        return (String(text[..<percent]), scope.isEmpty ? nil : scope)
    }

    private static func ipv4Bytes(_ text: String) -> in_addr? {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1 ? address : nil
    }

    private static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    private static func ipv6Text(_ bytes: [UInt8]) -> String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `fe80::/10` (RFC 4291 §2.5.6).
    private static func isLinkLocal(_ bytes: [UInt8]) -> Bool {
        bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80
    }
}
