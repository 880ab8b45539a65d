import NatterDiscovery
import NatterWire
import Testing

@Suite("Forwarder mDNS record")
struct ForwarderRecordTests {
    let key = TeamKey().subkeys.forwarder
    let otherKey = TeamKey().subkeys.forwarder

    @Test func thePublicationCarriesVersionAndTagOnly() {
        let publication = ForwarderRecord.publication(key: key)
        #expect(publication.type == "_natter-fwd._tcp")
        #expect(publication.port == 7310)
        #expect(publication.txt == ["v=1", "t=\(key.forwarderTag)"])
        #expect(publication.instanceName.hasPrefix("natter-fwd-"))
    }

    @Test func ourTeamsRecordIsAcceptedInAnyCase() throws {
        try ForwarderRecord.check(ForwarderRecord.txt(key: key), tag: key.forwarderTag)
        try ForwarderRecord.check(["v=1", "t=\(key.forwarderTag.description.uppercased())", "x=extra"], tag: key.forwarderTag)
    }

    @Test func anotherTeamsRecordIsRejected() {
        #expect(throws: ForwarderRecord.Rejection.otherTeam) {
            try ForwarderRecord.check(ForwarderRecord.txt(key: otherKey), tag: key.forwarderTag)
        }
        #expect(throws: ForwarderRecord.Rejection.otherTeam) { try ForwarderRecord.check(["v=1"], tag: key.forwarderTag) }
        #expect(throws: ForwarderRecord.Rejection.otherTeam) { try ForwarderRecord.check(["v=1", "t="], tag: key.forwarderTag) }
    }

    @Test func anotherVersionIsRejected() {
        let tag = "t=\(key.forwarderTag)"
        #expect(throws: ForwarderRecord.Rejection.unsupportedVersion) { try ForwarderRecord.check(["v=2", tag], tag: key.forwarderTag) }
        #expect(throws: ForwarderRecord.Rejection.unsupportedVersion) { try ForwarderRecord.check([tag], tag: key.forwarderTag) }
        #expect(throws: ForwarderRecord.Rejection.unsupportedVersion) { try ForwarderRecord.check(["v", tag, "garbage"], tag: key.forwarderTag) }
    }

    @Test func theFirstOfRepeatedKeysCounts() throws {
        try ForwarderRecord.check(["v=1", "t=\(key.forwarderTag)", "t=\(otherKey.forwarderTag)"], tag: key.forwarderTag)
        #expect(throws: ForwarderRecord.Rejection.otherTeam) {
            try ForwarderRecord.check(["v=1", "t=\(otherKey.forwarderTag)", "t=\(key.forwarderTag)"], tag: key.forwarderTag)
        }
    }
}
