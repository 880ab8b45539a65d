import NatterAPI
@testable import NatterNode
import Testing

/// The lines only the daemon can inform: the link's path, the UDP round
/// trip and the last link error (`GET /v1/doctor?peer=`).
@Suite("natter doctor PEER: path, UDP and the last link error")
struct DoctorPeerLinkChecksTests {
    static let now: UInt64 = 1_764_000_000_000

    static func report(online: Bool = true, relayed: Bool = false, udp: UDPCheckView, lastError: LinkErrorView? = nil, remote: String = "10.0.0.12") -> [DoctorLine] {
        var facts = DoctorChecksTests.healthy([DoctorChecksTests.record("me", .own), DoctorChecksTests.record("bob", .colleague(DoctorChecksTests.bob))])
        let colleague = PeerFacts.Colleague(name: "Bob", fingerprint: DoctorChecksTests.bob, online: online, relayed: relayed)
        var peer = PeerFacts(query: "bob", colleague: colleague, tcpProbes: [.init(address: "10.0.0.12", port: 41231, failure: nil)])
        peer.link = DoctorPeerView(
            fingerprint: DoctorChecksTests.bob, name: "Bob", link: online ? (relayed ? .relayed : .direct) : nil, remote: online ? remote : nil,
            udp: udp, lastError: lastError)
        peer.nowMilliseconds = now
        facts.peer = peer
        return DoctorChecks.report(facts).checks
    }

    @Test func aDirectLinkWhoseUDPAnswersIsOKAndSaysTheAddressAndRoundTrip() {
        let lines = Self.report(udp: UDPCheckView(outcome: .answered, target: "10.0.0.12:41232", requests: 1, roundTripMicroseconds: 1_260))
        #expect(lines.suffix(4).map(\.text) == [
            "OK   peer-tcp: every address of Bob accepts TCP (10.0.0.12:41231)",
            "OK   peer-link: linked to Bob directly (10.0.0.12): the handshake completed",
            "OK   peer-udp: a state datagram to Bob came back in 1.3 ms (10.0.0.12:41232)",
            "OK   peer-error: no link error with Bob since natter started",
        ])
    }

    @Test func unansweredUDPFailsWithThePortToAllow() {
        let line = Self.report(udp: UDPCheckView(outcome: .unanswered, target: "10.0.0.12:41232", requests: 3)).first { $0.check == "peer-udp" }
        #expect(line?.text == "FAIL peer-udp: UDP to Bob gets no answer (3 requests to 10.0.0.12:41232): states fall back to TCP — do: allow UDP port 41232 on Bob's side and between you; ask Bob to run `natter doctor` (their firewall line names the rule)")
    }

    @Test func aRelayedLinkNamesTheForwarderOnTheLinkAndUDPLines() {
        let lines = Self.report(relayed: true, udp: UDPCheckView(outcome: .unanswered, target: "10.0.1.1:7310", requests: 3), remote: "10.0.1.1:7310")
        #expect(lines.first { $0.check == "peer-link" }?.summary == "linked to Bob only through forwarder 10.0.1.1:7310: no direct connection could be made")
        #expect(lines.first { $0.check == "peer-udp" }?.summary == "UDP to Bob through the forwarder gets no answer (3 requests to 10.0.1.1:7310): states fall back to TCP")
        #expect(lines.first { $0.check == "peer-udp" }?.fix?.hasPrefix("allow UDP port 7310 to the forwarder at 10.0.1.1:7310") == true)
    }

    @Test func udpNotCheckableWarnsWithWhy() {
        #expect(Self.report(udp: UDPCheckView(outcome: .unsupported, target: "10.0.0.12:41232")).first { $0.check == "peer-udp" }?.text
            == "WARN peer-udp: not checked: Bob's natter is too old to answer the UDP check — do: update natter on Bob's device")
        #expect(Self.report(udp: UDPCheckView(outcome: .noUDPPort)).first { $0.check == "peer-udp" }?.verdict == .warn)
        #expect(Self.report(online: false, udp: UDPCheckView(outcome: .noLink)).first { $0.check == "peer-udp" }?.summary == "not checked: there is no link to Bob")
    }

    @Test func theLastErrorFailsWhileThereIsNoLinkAndIsHistoryOnceLinked() {
        let error = LinkErrorView(
            kind: .handshakeRefused, text: "10.0.0.12:41231 refused this device's handshake without a clock hint", address: "10.0.0.12:41231",
            at: Self.now - 125_000)
        let offline = Self.report(online: false, udp: UDPCheckView(outcome: .noLink), lastError: error).last
        #expect(offline?.text == "FAIL peer-error: last link error with Bob, 2 min 5 s ago: 10.0.0.12:41231 refused this device's handshake without a clock hint — do: compare team codes with Bob (`natter team join CODE` if they differ)")
        let online = Self.report(udp: UDPCheckView(outcome: .answered, target: "x:1", requests: 1, roundTripMicroseconds: 1), lastError: error).last
        #expect(online?.verdict == .ok && online?.summary.hasSuffix("(linked since)") == true)
    }

    @Test func everyKindOfErrorHasAFix() {
        for kind in LinkErrorKind.allCases {
            #expect(!DoctorChecks.fix(for: kind, name: "Bob").isEmpty)
        }
        #expect(DoctorChecks.fix(for: .clockHint, name: "Bob").hasPrefix("set the wrong clock right"))
    }
}
