import Foundation
import Glibc
public import NatterCore
public import NatterWire

/// The edge of `natter doctor`: asks the system (avahi-daemon through
/// `avahi-browse`, the firewall through `nft`/`iptables-save`, the interfaces
/// through `getifaddrs`, a colleague's port through `connect`) and returns
/// plain facts for ``DoctorChecks``. Blocking; the CLI calls it.
public enum DoctorProbes {
    /// How long a browse may take: avahi answers from its cache at once, and
    /// resolving a record takes one round trip on the LAN.
    public static let browseTimeout = Duration.seconds(8)
    /// How long listing the firewall may take.
    public static let firewallTimeout = Duration.seconds(5)
    /// How long a TCP connect to a colleague may take before it counts as dropped.
    public static let connectTimeout = Duration.seconds(3)

    public static func avahi(team: TeamSubkeys, own: DeviceFingerprint) -> AvahiBrowseOutcome {
        guard let tool = SystemTool.find(["/usr/bin/avahi-browse", "/bin/avahi-browse"]) else { return .toolMissing }
        guard let result = SystemTool.run([tool] + AvahiBrowseListing.arguments, timeout: browseTimeout, includeErrors: true) else {
            return .failed("avahi-browse did not finish within \(browseTimeout)")
        }
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        return AvahiBrowseListing.outcome(status: result.status, output: result.output, team: team, own: own, nowMilliseconds: now)
    }

    public static func firewall() -> FirewallListing {
        if let nft = SystemTool.find(["/usr/sbin/nft", "/sbin/nft"]) {
            if let result = SystemTool.run([nft, "list", "ruleset"], timeout: firewallTimeout, includeErrors: true) {
                if result.status == 0 { return .nftables(result.output) }
                if result.output.contains("Operation not permitted") || geteuid() != 0 { return .notPermitted }
            }
        }
        if let save = SystemTool.find(["/usr/sbin/iptables-save", "/sbin/iptables-save"]) {
            guard let result = SystemTool.run([save], timeout: firewallTimeout), result.status == 0 else { return .notPermitted }
            return .iptables(result.output)
        }
        return .noTool
    }

    public static func interfaces() -> [InterfaceFacts] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var found: [InterfaceFacts] = []
        var entry = list
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            let name = String(cString: current.pointee.ifa_name)
            let flags = Int32(bitPattern: current.pointee.ifa_flags)
            var facts = found.first { $0.name == name }
                ?? InterfaceFacts(
                    name: name, up: flags & Int32(IFF_UP) != 0 && flags & Int32(IFF_RUNNING) != 0,
                    multicast: flags & Int32(IFF_MULTICAST) != 0, loopback: flags & Int32(IFF_LOOPBACK) != 0, addresses: [])
            if let address = current.pointee.ifa_addr, let text = numericHost(address) {
                facts.addresses.append(text)
            }
            found.removeAll { $0.name == name }
            found.append(facts)
        }
        return found
    }

    /// IPv4 and IPv6 addresses as text; other families (packet) nil.
    static func numericHost(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
        let family = Int32(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6 else { return nil }
        let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Connects to an IPv4 or IPv6 address (a link-local one with its
    /// `%interface`); nil when accepted, else why not.
    public static func connectTCP(_ address: String, port: Int, timeout: Duration = connectTimeout) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &list) == 0, let target = list else { return "not an IP address" }
        defer { freeaddrinfo(list) }
        let descriptor = socket(target.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return "no socket: \(String(cString: strerror(errno)))" }
        defer { close(descriptor) }
        let started = connect(descriptor, target.pointee.ai_addr, target.pointee.ai_addrlen)
        if started == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&waiting, 1, Int32(clamping: timeout.wholeMilliseconds))
        guard ready > 0 else { return "timed out after \(timeout) (dropped?)" }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size)
        return failure == 0 ? nil : String(cString: strerror(failure))
    }
}
