import Glibc
import NatterDiscovery

/// This machine's IPv4 addresses on interfaces that are up, loopback left
/// out: what a member registers with a forwarder, so colleagues on other
/// subnets can try each of them directly before asking for a relay.
enum LocalAddresses {
    static func ipv4() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            let flags = Int32(bitPattern: current.pointee.ifa_flags)
            guard let address = current.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0
            else { continue }
            let string = ipv4Text(address)
            if !addresses.contains(string) { addresses.append(string) }
        }
        return addresses
    }
}
