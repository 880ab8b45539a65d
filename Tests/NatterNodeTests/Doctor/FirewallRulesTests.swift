@testable import NatterNode
import Testing

@Suite("natter doctor: firewall listings read for what would drop natter")
struct FirewallRulesTests {
    static let ports = [
        FirewallRules.Port(proto: .udp, number: 5353, purpose: "mDNS"),
        FirewallRules.Port(proto: .tcp, number: 41231, purpose: "natter's links"),
        FirewallRules.Port(proto: .udp, number: 41232, purpose: "natter's state datagrams"),
    ]

    static func nft(_ body: String, hook: String = "input", policy: String = "accept", family: String = "inet") -> String {
        "table \(family) t {\n\tchain c {\n\t\ttype filter hook \(hook) priority filter; policy \(policy);\n" + body + "\n\t}\n}\n"
    }

    static func blocked(_ listing: String) -> [Int] {
        FirewallRules.nftablesFindings(listing, ports: ports).map(\.port.number)
    }

    @Test(arguments: [
        ("\t\tudp dport 5353 drop", [5353]),
        ("\t\tudp dport { 22, 5353, 41232 } reject", [5353, 41232]),
        ("\t\ttcp dport 41000-42000 drop", [41231]),
        ("\t\tip saddr 10.0.0.5 udp dport 5353 counter packets 0 bytes 0 drop", [5353]),
        ("\t\tmeta l4proto udp drop", [5353, 41232]),
        ("\t\tdrop", [5353, 41231, 41232]),
        ("\t\tudp dport 5353 accept\n\t\tudp dport 5353 drop", []),
        ("\t\ttcp dport 5353 drop", []),
        ("\t\tudp dport 5354 drop", []),
        ("\t\tct state established,related accept", []),
        ("\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t\tudp dport 5353 drop", [5353]),
        ("\t\taccept\n\t\tudp dport 5353 drop", []),
    ])
    func inputRules(_ body: String, expected: [Int]) {
        #expect(Self.blocked(Self.nft(body)) == expected, "\(body)")
    }

    @Test func onlyInputChainsOfIPTablesCount() {
        #expect(Self.blocked(Self.nft("\t\tudp dport 5353 drop", hook: "output")).isEmpty)
        #expect(Self.blocked(Self.nft("\t\tudp dport 5353 drop", family: "bridge")).isEmpty, "the lab's bridge tables are not this host's input")
        #expect(Self.blocked(Self.nft("\t\tudp dport 5353 drop", family: "ip")) == [5353])
    }

    @Test func aDropPolicyNeedsAnAcceptPerPort() {
        let findings = FirewallRules.nftablesFindings(Self.nft("\t\tudp dport 5353 accept", policy: "drop"), ports: Self.ports)
        #expect(findings.map(\.port.number) == [41231, 41232])
        #expect(findings.first?.reason == "nftables chain inet t c has policy drop and no rule accepts it")
        #expect(findings.first?.fixCommand == "sudo nft insert rule inet t c tcp dport 41231 accept")
    }

    @Test func iptablesSaveIsReadToo() {
        let listing = """
            *nat
            :PREROUTING ACCEPT [0:0]
            -A PREROUTING -p udp --dport 5353 -j DROP
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD DROP [0:0]
            -A INPUT -p tcp -m multiport --dports 22,41231 -j REJECT --reject-with icmp-port-unreachable
            -A INPUT -p udp -m udp --dport 5353 -j ACCEPT
            -A INPUT -p udp -m udp --dport 5353 -j DROP
            -A FORWARD -p udp --dport 41232 -j DROP
            COMMIT
            """
        let findings = FirewallRules.iptablesFindings(listing, ports: Self.ports)
        #expect(findings.map(\.port.number) == [41231])
        #expect(findings.first?.fixCommand == "sudo iptables -I INPUT -p tcp --dport 41231 -j ACCEPT")
        let policy = FirewallRules.iptablesFindings("*filter\n:INPUT DROP [0:0]\n-A INPUT -p udp --dport 5353 -j ACCEPT\nCOMMIT\n", ports: Self.ports)
        #expect(policy.map(\.port.number) == [41231, 41232])
    }
}
