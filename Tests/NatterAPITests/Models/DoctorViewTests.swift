import NatterAPI
import Testing

@Suite("GET /v1/doctor: the JSON contract of Docs/api.md")
struct DoctorViewTests {
    @Test func forwardersAndClockRefusalsAreListed() throws {
        let view = DoctorView(
            forwarders: [ForwarderView(endpoint: "10.231.1.1:7000", configured: true, registered: false)],
            clockRefusals: [ClockRefusalView(address: "10.231.0.12", count: 3, differenceMilliseconds: 300_000)],
            clockDifferences: [ClockDifferenceView(fingerprint: "ABCD", differenceMilliseconds: -3_600_000)])
        let line = try APIJSON.line(view)
        #expect(line == #"{"clockDifferences":[{"differenceMilliseconds":-3600000,"fingerprint":"ABCD"}],"clockRefusals":[{"address":"10.231.0.12","count":3,"differenceMilliseconds":300000}],"forwarders":[{"configured":true,"endpoint":"10.231.1.1:7000","registered":false}]}"#)
        #expect(try APIJSON.decode(DoctorView.self, from: Array(line.utf8)) == view)
    }

    /// `?peer=`: the example of Docs/api.md, byte for byte, and what is absent when.
    @Test func aPeersLinkUDPCheckAndLastErrorAreTheDocumentedJSON() throws {
        let peer = DoctorPeerView(
            fingerprint: "BOBXK4MZ7QWERTYUIOPASDFGHJKLZXCV", name: "Bob", link: .direct, remote: "10.231.0.12",
            udp: UDPCheckView(outcome: .answered, target: "10.231.0.12:43433", requests: 1, roundTripMicroseconds: 412),
            lastError: LinkErrorView(
                kind: .timedOut,
                text: "the TCP connection to 10.231.0.12:41231 timed out after 3.0 seconds: a firewall drops it, or the machine is off or elsewhere",
                address: "10.231.0.12:41231", at: 1_764_045_600_000))
        let line = try APIJSON.line(peer)
        #expect(line == #"{"fingerprint":"BOBXK4MZ7QWERTYUIOPASDFGHJKLZXCV","lastError":{"address":"10.231.0.12:41231","at":1764045600000,"kind":"timedOut","text":"the TCP connection to 10.231.0.12:41231 timed out after 3.0 seconds: a firewall drops it, or the machine is off or elsewhere"},"link":"direct","name":"Bob","remote":"10.231.0.12","udp":{"outcome":"answered","requests":1,"roundTripMicroseconds":412,"target":"10.231.0.12:43433"}}"#)
        #expect(try APIJSON.decode(DoctorPeerView.self, from: Array(line.utf8)) == peer)
        let offline = DoctorPeerView(fingerprint: "B", name: "Bob", link: nil, remote: nil, udp: UDPCheckView(outcome: .noLink), lastError: nil)
        #expect(try APIJSON.line(offline) == #"{"fingerprint":"B","name":"Bob","udp":{"outcome":"noLink","requests":0}}"#)
        #expect(try APIJSON.line(DoctorView(forwarders: [], clockRefusals: [])) == #"{"clockDifferences":[],"clockRefusals":[],"forwarders":[]}"#, "no peer asked, none listed")
        #expect(try APIJSON.line(ForwarderView(endpoint: "e", configured: true, registered: true, clockDifferenceMilliseconds: 3_600_000))
            == #"{"clockDifferenceMilliseconds":3600000,"configured":true,"endpoint":"e","registered":true}"#)
    }
}
