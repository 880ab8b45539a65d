import Foundation
import NatterCore
@testable import NatterDiscovery
import NatterWire
import Testing

@Suite("mDNS record codec")
struct DiscoveryRecordTests {
    let team = TeamKey().subkeys
    let fingerprint = DeviceIdentity().fingerprint
    /// 2027-01-15 10:00 UTC, well inside its epoch.
    static let now: UInt64 = 1_800_000_000_000 - 1_800_000_000_000 % DiscoveryTimes.epochMilliseconds + 10 * 3_600_000
    var now: UInt64 { Self.now }

    var record: DiscoveryRecord { DiscoveryRecord(fingerprint: fingerprint, displayName: "Alice 张", status: .busy, published: now - 60_000) }

    func decode(_ record: DiscoveryRecord, by team: TeamSubkeys? = nil, at time: UInt64? = nil) throws(DiscoveryRecord.Rejection) -> DiscoveryRecord {
        try DiscoveryRecord.decode(record.encode(team: self.team), instanceName: record.instanceName(team: self.team), team: team ?? self.team, nowMilliseconds: time ?? now)
    }

    @Test func aMemberDecodesWhatIsPublished() throws {
        #expect(try decode(record) == record)
        // Avahi's alternative name after a collision is still the record's own name.
        #expect(try DiscoveryRecord.decode(record.encode(team: team), instanceName: record.instanceName(team: team) + " #2", team: team, nowMilliseconds: now) == record)
    }

    @Test func theClearTextHoldsNothingIdentifying() {
        let text = record.encode(team: team).joined(separator: " ")
        #expect(!text.contains("Alice"))
        #expect(!text.contains(fingerprint.compact) && !text.lowercased().contains(Hex.encode(fingerprint.bytes)))
        // No `u`: the UDP port travels in the hello frame.
        #expect(record.encode(team: team).map { String($0.prefix { $0 != "=" }) } == ["v", "t", "k", "s"])
        // Neither the stable team tag nor the stable keyed fingerprint is published.
        #expect(!text.contains(team.teamTag.description) && !text.contains(Hex.encode(team.keyedFingerprint(fingerprint.bytes))))
    }

    /// What a stranger sees changes every UTC day; within a day it is stable
    /// (one name per device, not a new instance at every refresh).
    @Test func everythingAStrangerSeesChangesAtTheEpochBoundary() throws {
        let tomorrow = DiscoveryRecord(fingerprint: fingerprint, displayName: "Alice 张", status: .busy, published: now + DiscoveryTimes.epochMilliseconds)
        let later = DiscoveryRecord(fingerprint: fingerprint, displayName: "Alice 张", status: .busy, published: now + 3_600_000)
        func field(_ key: String, _ record: DiscoveryRecord) -> String { record.encode(team: team).first { $0.hasPrefix(key + "=") }! }
        #expect(field("t", tomorrow) != field("t", record) && field("k", tomorrow) != field("k", record))
        #expect(tomorrow.instanceName(team: team) != record.instanceName(team: team))
        #expect(field("t", later) == field("t", record) && field("k", later) == field("k", record))
        #expect(later.instanceName(team: team) == record.instanceName(team: team))
        // And a member still recognises the device the next day.
        #expect(try decode(tomorrow, at: tomorrow.published).fingerprint == fingerprint)
    }

    @Test func anotherTeamsRecordIsRefusedBeforeAnyDecryption() {
        #expect(throws: DiscoveryRecord.Rejection.otherTeam) { try decode(record, by: TeamKey().subkeys) }
    }

    @Test func theInstanceNameDiffersAcrossTeams() {
        #expect(record.instanceName(team: team) != record.instanceName(team: TeamKey().subkeys))
    }

    /// A stranger's copy of a member's record under another name is refused
    /// before any decryption: the name is made from `k`.
    @Test func aRecordCopiedToAnotherInstanceNameIsRefused() {
        let strings = record.encode(team: team)
        for name in ["natter-000000000000", "natter-junk", record.instanceName(team: team) + " #x", "", "printer"] {
            #expect(throws: DiscoveryRecord.Rejection.wrongInstance) {
                try DiscoveryRecord.decode(strings, instanceName: name, team: team, nowMilliseconds: now)
            }
        }
    }

    @Test func oldAndFutureRecordsAreRefused() throws {
        let age = DiscoveryTimes.maximumAgeMilliseconds
        let ahead = DiscoveryTimes.maximumFutureMilliseconds
        #expect(try decode(record, at: record.published + age) == record)
        #expect(throws: DiscoveryRecord.Rejection.stale) { try decode(record, at: record.published + age + 1) }
        #expect(try decode(record, at: record.published - ahead) == record)
        #expect(throws: DiscoveryRecord.Rejection.fromTheFuture) { try decode(record, at: record.published - ahead - 1) }
        // Yesterday's record is another day's tag: not even recognised as the team's.
        #expect(throws: DiscoveryRecord.Rejection.otherTeam) { try decode(record, at: record.published + DiscoveryTimes.epochMilliseconds) }
    }

    /// Docs/protocol.md §4.4.1: of two colleagues an hour apart, the one
    /// ahead accepts the other's record, however long ago it was refreshed,
    /// and dials; the handshake's clock hint does the rest.
    @Test func theColleagueAheadByAnHourStillAcceptsTheOthersRecord() throws {
        let hour: UInt64 = 3_600_000
        let refreshedLate = DiscoveryRecord(fingerprint: fingerprint, displayName: "A", status: .available, published: now - DiscoveryTimes.refreshMilliseconds)
        #expect(try decode(refreshedLate, at: now + hour) == refreshedLate, "seen by a clock an hour ahead")
        let fromAhead = DiscoveryRecord(fingerprint: fingerprint, displayName: "B", status: .available, published: now + hour)
        #expect(throws: DiscoveryRecord.Rejection.fromTheFuture, "the other way a record an hour ahead stays refused") { try decode(fromAhead, at: now) }
    }

    /// Across midnight UTC both sides still recognise each other: a record
    /// of the old day up to its maximum age, one of the new day from a clock
    /// a little ahead.
    @Test func recordsAcrossTheEpochBoundaryAreAccepted() throws {
        let midnight = (now / DiscoveryTimes.epochMilliseconds + 1) * DiscoveryTimes.epochMilliseconds
        let lateYesterday = DiscoveryRecord(fingerprint: fingerprint, displayName: "A", status: .available, published: midnight - 1)
        #expect(try decode(lateYesterday, at: midnight + 30 * 60_000) == lateYesterday)
        let earlyToday = DiscoveryRecord(fingerprint: fingerprint, displayName: "A", status: .available, published: midnight + 60_000)
        #expect(try decode(earlyToday, at: midnight - 60_000) == earlyToday)
    }

    @Test func acceptedEpochsAndTheRefreshSchedule() {
        let day = DiscoveryTimes.epochMilliseconds
        let midnight = (now / day + 1) * day
        let today = DiscoveryTimes.epoch(ofMilliseconds: now)
        #expect(DiscoveryTimes.acceptedEpochs(nowMilliseconds: now) == [today])
        #expect(DiscoveryTimes.acceptedEpochs(nowMilliseconds: midnight + 1000) == [today, today + 1])
        #expect(DiscoveryTimes.acceptedEpochs(nowMilliseconds: midnight - 1000) == [today, today + 1])
        #expect(DiscoveryTimes.acceptedEpochs(nowMilliseconds: midnight + DiscoveryTimes.maximumAgeMilliseconds + 1) == [today + 1])
        // Re-sealed every 20 minutes, and at midnight exactly.
        #expect(DiscoveryTimes.nextPublication(after: now) == now + DiscoveryTimes.refreshMilliseconds)
        #expect(DiscoveryTimes.nextPublication(after: midnight - 60_000) == midnight)
        #expect(DiscoveryTimes.nextPublication(after: midnight) == midnight + DiscoveryTimes.refreshMilliseconds)
        #expect(DiscoveryTimes.refreshMilliseconds + DiscoveryTimes.maximumFutureMilliseconds < DiscoveryTimes.maximumAgeMilliseconds)
    }

    @Test func garbageIsRefusedNeverFatal() {
        let name = record.instanceName(team: team)
        var strings = record.encode(team: team)
        let cases: [([String], DiscoveryRecord.Rejection)] = [
            ([], .malformed("no version")),
            (["v=3"] + strings.dropFirst(), .unsupportedVersion),
            (strings.filter { !$0.hasPrefix("k=") }, .malformed("keyed fingerprint")),
            (strings.map { $0.hasPrefix("s=") ? "s=!!!" : $0 }, .malformed("sealed blob")),
            (strings.map { $0.hasPrefix("s=") ? "s=" + Data(repeating: 7, count: 60).base64EncodedString() : $0 }, .sealBroken),
        ]
        for (input, rejection) in cases {
            #expect(throws: rejection) { try DiscoveryRecord.decode(input, instanceName: name, team: team, nowMilliseconds: now) }
        }
        // A sealed blob moved to another device's record (and name) does not open there.
        let other = DiscoveryRecord(fingerprint: DeviceIdentity().fingerprint, displayName: "Mallory", status: .available, published: now)
        let otherK = other.encode(team: team).first { $0.hasPrefix("k=") }!
        strings = strings.map { $0.hasPrefix("k=") ? otherK : $0 }
        #expect(throws: DiscoveryRecord.Rejection.sealBroken) {
            try DiscoveryRecord.decode(strings, instanceName: other.instanceName(team: team), team: team, nowMilliseconds: now)
        }
        // Random strings of any shape.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let random = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                String(decoding: (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }, as: UTF8.self)
            }
            _ = try? DiscoveryRecord.decode(random, instanceName: name, team: team, nowMilliseconds: now)
        }
    }

    /// Found by `make fuzz`: hex parsed by Characters let "é" (2 bytes, 1
    /// Character) walk past the end of the string and trap. The team tag a
    /// stranger must send first is public, so this crashed every daemon on the LAN.
    @Test func hexWithMultiByteCharactersIsMalformedNotACrash() {
        let tag = record.encode(team: team).first { $0.hasPrefix("t=") }!
        for keyed in ["é", "aé", "éa", "张a", "0" + String(repeating: "é", count: 15) + "0", "zz", "0g"] {
            #expect(throws: DiscoveryRecord.Rejection.malformed("keyed fingerprint")) {
                try DiscoveryRecord.decode(["v=2", tag, "k=" + keyed, "s=AAAA"], instanceName: "natter-x", team: team, nowMilliseconds: now)
            }
        }
    }

    @Test func aLongNameIsCutOnACharacterBoundaryAndStillDecodes() throws {
        let long = String(repeating: "张", count: 30)  // 90 bytes of UTF-8
        let cut = DiscoveryRecord(fingerprint: fingerprint, displayName: long, status: .available, published: now)
        #expect(try decode(cut).displayName == String(repeating: "张", count: 21))
    }

    /// The name is padded inside the box, so `s` has one length whatever
    /// the name: a stranger cannot tell "Al" from a 64-byte name.
    @Test func everySealedBoxHasOneLengthWhateverTheName() throws {
        let lengths = Set(["", "Al", "Alice 张", String(repeating: "x", count: 64), String(repeating: "张", count: 30)].map { name in
            DiscoveryRecord(fingerprint: fingerprint, displayName: name, status: .away, published: now)
                .encode(team: team).first { $0.hasPrefix("s=") }!.count
        })
        #expect(lengths == [2 + 4 * ((12 + DiscoveryRecord.plaintextBytes + 16 + 2) / 3)])
        for name in ["", "Al"] {
            #expect(try decode(DiscoveryRecord(fingerprint: fingerprint, displayName: name, status: .away, published: now)).displayName == name)
        }
    }

    /// A box that opens but whose contents break the layout (a length past
    /// 64, non-zero padding, another size) is malformed, never a crash.
    @Test func sealedContentsMustKeepTheirLayout() {
        var plaintext = fingerprint.bytes + Array(repeating: 0, count: 8) + [0, 2] + Array("Al".utf8)
        plaintext += Array(repeating: 0, count: DiscoveryRecord.plaintextBytes - plaintext.count)
        #expect(throws: Never.self) { try DiscoveryRecord.parse(plaintext) }
        var longName = plaintext
        longName[41] = 65
        var dirtyPadding = plaintext
        dirtyPadding[50] = 1
        for bad in [longName, dirtyPadding, Array(plaintext.dropLast()), plaintext + [0]] {
            #expect(throws: DiscoveryRecord.Rejection.self) { try DiscoveryRecord.parse(bad) }
        }
    }

    /// The forwarder's copy is sealed for another context: a TXT box cannot
    /// be registered with a forwarder, nor a forwarder entry published on mDNS.
    @Test func forwarderEntriesAndTXTBoxesAreNotInterchangeable() throws {
        let (keyed, blob) = record.sealedForForwarder(team: team)
        #expect(keyed == team.keyedFingerprint(fingerprint.bytes))
        #expect(try DiscoveryRecord.openForwarderEntry(blob, keyedFingerprint: keyed, team: team) == record)
        #expect(throws: DiscoveryRecord.Rejection.sealBroken) {
            try DiscoveryRecord.openForwarderEntry(blob, keyedFingerprint: [UInt8](repeating: 1, count: 16), team: team)
        }
        let txtBox = Array(Data(base64Encoded: String(record.encode(team: team).last!.dropFirst(2)))!)
        #expect(throws: DiscoveryRecord.Rejection.sealBroken) { try DiscoveryRecord.openForwarderEntry(txtBox, keyedFingerprint: keyed, team: team) }
    }
}
