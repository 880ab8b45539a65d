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
}
