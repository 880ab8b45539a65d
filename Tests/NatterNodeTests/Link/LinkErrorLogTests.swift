import NatterAPI
import NatterCore
@testable import NatterNode
import NatterWire
import Testing

@Suite("Link error log")
struct LinkErrorLogTests {
    let bob = DeviceIdentity().fingerprint, carol = DeviceIdentity().fingerprint

    @Test func theLastErrorPerColleagueWinsWithItsAddressAndTime() {
        var log = LinkErrorLog()
        log.record(.timedOut, "timed out", peer: bob, address: "10.0.0.12:41231", atMilliseconds: 1_000)
        log.record(.handshakeRefused, "refused", peer: bob, address: "10.0.0.12:41231", atMilliseconds: 2_000)
        #expect(log.last(for: bob) == .init(kind: .handshakeRefused, text: "refused", address: "10.0.0.12:41231", atMilliseconds: 2_000))
        #expect(log.last(for: carol) == nil)
    }

    @Test func boundedTheOldestColleagueIsForgottenFirst() {
        var log = LinkErrorLog(capacity: 2)
        log.record(.silent, "a", peer: bob, address: "x", atMilliseconds: 1)
        log.record(.silent, "b", peer: carol, address: "y", atMilliseconds: 2)
        let dave = DeviceIdentity().fingerprint
        log.record(.silent, "c", peer: dave, address: "z", atMilliseconds: 3)
        #expect(log.count == 2 && log.last(for: bob) == nil && log.last(for: dave)?.text == "c")
    }

    @Test func errorsAreSortedIntoKindsWithSentencesThatNameTheAddress() {
        #expect(LinkErrorLog.describe(.refusedByResponder, address: "10.0.0.12:41231").0 == .handshakeRefused)
        #expect(LinkErrorLog.describe(.unexpectedResponder, address: "a").0 == .wrongDevice)
        #expect(LinkErrorLog.describe(.transportAuthenticationFailed, address: "a").0 == .damaged)
        #expect(LinkErrorLog.describe(.keysExpired, address: "a").0 == .protocolError)
        #expect(LinkErrorLog.describe(.refusedByResponder, address: "10.0.0.12:41231").1.hasPrefix("10.0.0.12:41231 refused this device's handshake"))
        let refused = LinkErrorLog.describeConnect("connection reset (error set): Connection refused (errno: 111)", address: "h:1", timeout: .seconds(3))
        #expect(refused.0 == .refused && refused.1.hasPrefix("the TCP connection to h:1 was refused"))
        #expect(LinkErrorLog.describeConnect("connectTimeout(TimeAmount(3s))", address: "h:1", timeout: .seconds(3)).0 == .timedOut)
        #expect(LinkErrorLog.describeConnect("No route to host (errno: 113)", address: "h:1", timeout: .seconds(3)).0 == .unreachable)
    }
}
