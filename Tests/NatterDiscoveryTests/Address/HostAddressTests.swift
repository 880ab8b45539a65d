import Glibc
import NatterDiscovery
import Testing

@Suite("Host addresses: one text per place a colleague is reached")
struct HostAddressTests {
    @Test(arguments: [
        ("::ffff:10.231.0.12", "10.231.0.12"),  // an IPv4 peer on the dual-stack listener
        ("::FFFF:7F00:1", "127.0.0.1"),
        ("10.231.0.12", "10.231.0.12"),
        ("FE80:0:0:0:0:0:0:1%eth0", "fe80::1%eth0"),
        ("fe80::1", "fe80::1"),
        ("2001:DB8::0:1", "2001:db8::1"),
        ("2001:db8::1%eth0", "2001:db8::1"),  // only a link-local address needs its interface
        ("fd00:231::11", "fd00:231::11"),
        ("bob.example", "bob.example"),
    ])
    func addressesAreNormalised(_ given: String, _ expected: String) {
        #expect(HostAddress.normalised(given) == expected)
    }

    @Test func endpointsAreWrittenAsTheConfigurationReadsThem() {
        #expect(HostAddress.endpoint("10.231.0.12", port: 7300) == "10.231.0.12:7300")
        #expect(HostAddress.endpoint("fe80::231:12%eth0", port: 7300) == "[fe80::231:12%eth0]:7300")
        #expect(HostAddress.endpoint("2001:db8::1", port: 1) == "[2001:db8::1]:1")
        #expect(HostAddress.endpoint("bob.example", port: 7300) == "bob.example:7300")
    }

    @Test func kindsAreTold() {
        #expect(HostAddress.kind(of: "10.0.0.1") == .ipv4)
        #expect(HostAddress.kind(of: "::ffff:10.0.0.1") == .ipv4)
        #expect(HostAddress.kind(of: "2001:db8::1") == .ipv6)
        #expect(HostAddress.kind(of: "fd00::1") == .ipv6)
        #expect(HostAddress.kind(of: "fe80::1%eth0") == .ipv6LinkLocal)
        #expect(HostAddress.kind(of: "febf::1") == .ipv6LinkLocal, "fe80::/10 ends at febf")
        #expect(HostAddress.kind(of: "fec0::1") == .ipv6)
        #expect(HostAddress.kind(of: "bob.example") == .name)
    }

    @Test func dialOrderIsIPv4ThenIPv6ThenLinkLocalEachOnceKeepingTheGivenOrderWithinAKind() {
        let given = ["fe80::b%eth1", "fd00::9", "::ffff:10.0.0.2", "fe80::a%eth0", "10.0.0.1", "10.0.0.2", "host.example", "2001:db8::1"]
        #expect(HostAddress.dialOrder(given) == ["10.0.0.2", "10.0.0.1", "fd00::9", "2001:db8::1", "fe80::b%eth1", "fe80::a%eth0", "host.example"])
        #expect(HostAddress.dialOrder(["fe80::1%eth0", "10.0.0.9", "10.0.0.3"]) == ["10.0.0.9", "10.0.0.3", "fe80::1%eth0"], "within a kind as given, not sorted")
        #expect(HostAddress.dialOrder([]) == [])
    }

    @Test func aLinkLocalAddressTakesTheInterfaceItWasSeenOn() {
        #expect(HostAddress.scoped("fe80::1", interfaceName: "eth0") == "fe80::1%eth0")
        #expect(HostAddress.scoped("fe80::1%eth3", interfaceName: "eth0") == "fe80::1%eth3", "a scope already there is kept")
        #expect(HostAddress.scoped("fe80::1", interfaceName: nil) == "fe80::1")
        #expect(HostAddress.scoped("10.0.0.1", interfaceName: "eth0") == "10.0.0.1")
        #expect(HostAddress.scoped("2001:db8::1", interfaceName: "eth0") == "2001:db8::1")
    }

    @Test func socketAddressesAreReadTheSameWay() {
        var mapped = sockaddr_in6()
        mapped.sin6_family = sa_family_t(AF_INET6)
        _ = inet_pton(AF_INET6, "::ffff:10.231.0.12", &mapped.sin6_addr)
        #expect(text(of: &mapped) == "10.231.0.12")

        let loopback = if_nametoindex("lo")
        try? #require(loopback != 0)
        var linkLocal = sockaddr_in6()
        linkLocal.sin6_family = sa_family_t(AF_INET6)
        linkLocal.sin6_scope_id = loopback
        _ = inet_pton(AF_INET6, "fe80::1", &linkLocal.sin6_addr)
        #expect(text(of: &linkLocal) == "fe80::1%lo", "the scope id becomes the interface's name")
        #expect(HostAddress.interfaceName(index: Int32(loopback)) == "lo")
        #expect(HostAddress.interfaceName(index: 0) == nil)

        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, "10.0.0.7", &v4.sin_addr)
        let v4Text = withUnsafePointer(to: &v4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { HostAddress.text($0) } }
        #expect(v4Text == "10.0.0.7")
    }

    private func text(of address: inout sockaddr_in6) -> String? {
        withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { HostAddress.text($0) } }
    }
}
