import Foundation

/// Reads a firewall listing (`nft list ruleset`, `iptables-save`) for what
/// would stop natter: a rule in an input chain that drops or rejects one of
/// the ports, or a drop policy with no rule accepting it. Pure.
///
/// It reads rules the way the kernel walks one chain — the first rule that
/// matches the port decides — and does not follow jumps into other chains or
/// evaluate address, interface or connection-state matches: a drop limited
/// to some sources still counts, since it drops someone, but an accept counts
/// only when it names the port (or matches everything): `ct state
/// established accept` lets no colleague start a link.
public enum FirewallRules {
    public enum Proto: String, Sendable, Equatable {
        case tcp, udp
    }

    public struct Port: Sendable, Equatable {
        public var proto: Proto
        public var number: Int
        public var purpose: String

        public init(proto: Proto, number: Int, purpose: String) {
            self.proto = proto
            self.number = number
            self.purpose = purpose
        }
    }

    public struct Finding: Sendable, Equatable {
        public var port: Port
        /// Why, quoting the rule or the policy.
        public var reason: String
        /// The command that lets the port through, ahead of the rule.
        public var fixCommand: String
    }

    /// One rule reduced to what matters here.
    struct Rule: Equatable {
        enum Verdict { case accept, drop, other }
        /// nil: any protocol.
        var proto: Proto?
        /// nil: any port.
        var ports: [ClosedRange<Int>]?
        var verdict: Verdict
        var text: String

        init(proto: Proto?, ports: [ClosedRange<Int>]?, verdict: Verdict, text: String, bare: Bool) {
            self.proto = proto
            self.ports = ports
            self.verdict = verdict == .accept && ports == nil && !bare ? .other : verdict
            self.text = text
        }

        func matches(_ port: Port) -> Bool {
            (proto == nil || proto == port.proto) && (ports?.contains { $0.contains(port.number) } ?? true)
        }
    }

    struct Chain {
        var label: String
        var policyDrops: Bool
        var rules: [Rule]
        /// The command that inserts an accept rule for a port at the chain's head.
        var acceptCommand: (Port) -> String
    }

    static func findings(in chains: [Chain], ports: [Port]) -> [Finding] {
        var findings: [Finding] = []
        for port in ports {
            for chain in chains {
                let decisive = chain.rules.first { $0.verdict != .other && $0.matches(port) }
                if let decisive, decisive.verdict == .drop {
                    findings.append(Finding(port: port, reason: "rule `\(decisive.text)` in \(chain.label)", fixCommand: chain.acceptCommand(port)))
                    break
                }
                if decisive == nil && chain.policyDrops {
                    findings.append(Finding(port: port, reason: "\(chain.label) has policy drop and no rule accepts it", fixCommand: chain.acceptCommand(port)))
                    break
                }
            }
        }
        return findings
    }

    // MARK: nftables

    public static func nftablesFindings(_ listing: String, ports: [Port]) -> [Finding] {
        findings(in: nftablesInputChains(listing), ports: ports)
    }

    /// The chains hooked on `input` in `ip`, `ip6` and `inet` tables.
    static func nftablesInputChains(_ listing: String) -> [Chain] {
        var chains: [Chain] = []
        var table: (family: String, name: String)?
        var chain: (name: String, input: Bool, policyDrops: Bool, rules: [Rule])?
        func closeChain() {
            if let current = chain, current.input, let table, ["ip", "ip6", "inet"].contains(table.family) {
                let prefix = "\(table.family) \(table.name) \(current.name)"
                chains.append(Chain(label: "nftables chain \(prefix)", policyDrops: current.policyDrops, rules: current.rules) { port in
                    "sudo nft insert rule \(prefix) \(port.proto.rawValue) dport \(port.number) accept"
                })
            }
            chain = nil
        }
        for raw in listing.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(separator: " ").map(String.init)
            if words.first == "table", words.count >= 3 {
                closeChain()
                table = (words[1], words[2])
            } else if words.first == "chain", words.count >= 2 {
                closeChain()
                chain = (words[1], false, false, [])
            } else if line == "}" {
                closeChain()
            } else if chain != nil, line.hasPrefix("type ") {
                chain?.input = words.contains("hook") && words.firstIndex(of: "hook").map { words.indices.contains($0 + 1) && words[$0 + 1] == "input" } == true
                chain?.policyDrops = line.contains("policy drop")
            } else if chain != nil, !line.isEmpty, !line.hasPrefix("#") {
                chain?.rules.append(nftablesRule(line, words: words))
            }
        }
        closeChain()
        return chains
    }

    static func nftablesRule(_ line: String, words: [String]) -> Rule {
        let verdict: Rule.Verdict = words.contains("drop") || words.contains("reject") ? .drop : words.contains("accept") ? .accept : .other
        var proto: Proto?
        var ports: [ClosedRange<Int>]?
        for (index, word) in words.enumerated() {
            if let named = Proto(rawValue: word), index + 1 < words.count, ["dport", "sport"].contains(words[index + 1]) || index > 0 && words[index - 1] == "l4proto" || index > 0 && words[index - 1] == "protocol" || index > 0 && words[index - 1] == "nexthdr" {
                proto = named
            }
            if word == "dport", index + 1 < words.count {
                if words[index + 1] == "{" {
                    let set = words[(index + 2)...].prefix { $0 != "}" }.joined(separator: " ")
                    ports = portRanges(set.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init), rangeMark: "-")
                } else {
                    ports = portRanges([words[index + 1]], rangeMark: "-")
                }
            }
        }
        return Rule(proto: proto, ports: ports, verdict: verdict, text: line, bare: words.count == 1)
    }

    // MARK: iptables

    public static func iptablesFindings(_ listing: String, ports: [Port]) -> [Finding] {
        findings(in: iptablesInputChains(listing), ports: ports)
    }

    /// The filter table's INPUT chain.
    static func iptablesInputChains(_ listing: String) -> [Chain] {
        var inFilter = false
        var policyDrops = false
        var rules: [Rule] = []
        for raw in listing.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("*") { inFilter = line == "*filter"; continue }
            guard inFilter else { continue }
            if line.hasPrefix(":INPUT ") {
                policyDrops = line.split(separator: " ").dropFirst().first == "DROP"
            } else if line.hasPrefix("-A INPUT ") {
                rules.append(iptablesRule(line))
            }
        }
        guard policyDrops || !rules.isEmpty else { return [] }
        return [Chain(label: "iptables chain INPUT", policyDrops: policyDrops, rules: rules) { port in
            "sudo iptables -I INPUT -p \(port.proto.rawValue) --dport \(port.number) -j ACCEPT"
        }]
    }

    static func iptablesRule(_ line: String) -> Rule {
        let words = line.split(separator: " ").map(String.init)
        func value(after flag: String) -> String? {
            words.firstIndex(of: flag).flatMap { words.indices.contains($0 + 1) ? words[$0 + 1] : nil }
        }
        let target = value(after: "-j")
        let verdict: Rule.Verdict = target == "DROP" || target == "REJECT" ? .drop : target == "ACCEPT" ? .accept : .other
        let ports = (value(after: "--dport") ?? value(after: "--dports")).map { portRanges($0.split(separator: ",").map(String.init), rangeMark: ":") }
        return Rule(proto: value(after: "-p").flatMap(Proto.init(rawValue:)), ports: ports, verdict: verdict, text: line, bare: words.count == 4)
    }

    /// `5353`, `1000-2000` (nft) or `1000:2000` (iptables); anything else is skipped.
    static func portRanges(_ items: [String], rangeMark: Character) -> [ClosedRange<Int>] {
        items.compactMap { item in
            let bounds = item.split(separator: rangeMark).compactMap { Int($0) }
            switch bounds.count {
            case 1: return bounds[0]...bounds[0]
            case 2 where bounds[0] <= bounds[1]: return bounds[0]...bounds[1]
            default: return nil
            }
        }
    }
}
