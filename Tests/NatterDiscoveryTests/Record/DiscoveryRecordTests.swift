import Foundation
import NatterCore
import NatterDiscovery
import NatterWire
import Testing

@Suite("mDNS record codec")
struct DiscoveryRecordTests {
    let team = TeamKey().subkeys
    let fingerprint = DeviceIdentity().fingerprint

    var record: DiscoveryRecord { DiscoveryRecord(fingerprint: fingerprint, displayName: "Alice 张", status: .busy, udpPort: 47_002) }

    @Test func aMemberDecodesWhatIsPublished() throws {
        #expect(try DiscoveryRecord.decode(record.encode(team: team), team: team) == record)
    }

    @Test func theClearTextHoldsNothingIdentifying() {
        let text = record.encode(team: team).joined(separator: " ")
        #expect(!text.contains("Alice"))
        #expect(!text.contains(fingerprint.compact) && !text.lowercased().contains(Hex.encode(fingerprint.bytes)))
        #expect(Set(record.encode(team: team).map { String($0.prefix { $0 != "=" }) }) == ["v", "t", "k", "u", "s"])
    }

    @Test func anotherTeamsRecordIsRefusedBeforeAnyDecryption() {
        let other = TeamKey().subkeys
        #expect(throws: DiscoveryRecord.Rejection.otherTeam) { try DiscoveryRecord.decode(record.encode(team: other), team: team) }
    }

    @Test func theKeyedFingerprintDiffersAcrossTeams() {
        let other = TeamKey().subkeys
        #expect(DiscoveryRecord.instanceName(fingerprint: fingerprint, team: team) != DiscoveryRecord.instanceName(fingerprint: fingerprint, team: other))
    }

    @Test func garbageIsRefusedNeverFatal() {
        var strings = record.encode(team: team)
        let cases: [([String], DiscoveryRecord.Rejection)] = [
            ([], .malformed("no version")),
            (["v=2"] + strings.dropFirst(), .unsupportedVersion),
            (strings.filter { !$0.hasPrefix("k=") }, .malformed("keyed fingerprint")),
            (strings.map { $0.hasPrefix("u=") ? "u=99999" : $0 }, .malformed("udp port")),
            (strings.map { $0.hasPrefix("s=") ? "s=!!!" : $0 }, .malformed("sealed blob")),
            (strings.map { $0.hasPrefix("s=") ? "s=" + Data(repeating: 7, count: 60).base64EncodedString() : $0 }, .sealBroken),
        ]
        for (input, rejection) in cases {
            #expect(throws: rejection) { try DiscoveryRecord.decode(input, team: team) }
        }
        // A sealed blob moved to another device's record does not open there.
        let other = DiscoveryRecord(fingerprint: DeviceIdentity().fingerprint, displayName: "Mallory", status: .available, udpPort: 1)
        let otherK = other.encode(team: team).first { $0.hasPrefix("k=") }!
        strings = strings.map { $0.hasPrefix("k=") ? otherK : $0 }
        #expect(throws: DiscoveryRecord.Rejection.sealBroken) { try DiscoveryRecord.decode(strings, team: team) }
        // Random strings of any shape.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let random = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                String(decoding: (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }, as: UTF8.self)
            }
            _ = try? DiscoveryRecord.decode(random, team: team)
        }
    }

    /// Found by `make fuzz`: hex parsed by Characters let "é" (2 bytes, 1
    /// Character) walk past the end of the string and trap. The team tag a
    /// stranger must send first is public, so this crashed every daemon on the LAN.
    @Test func hexWithMultiByteCharactersIsMalformedNotACrash() {
        let tag = record.encode(team: team).first { $0.hasPrefix("t=") }!
        for keyed in ["é", "aé", "éa", "张a", "0" + String(repeating: "é", count: 15) + "0", "zz", "0g"] {
            #expect(throws: DiscoveryRecord.Rejection.malformed("keyed fingerprint")) {
                try DiscoveryRecord.decode(["v=1", tag, "k=" + keyed, "u=1", "s=AAAA"], team: team)
            }
        }
    }

    @Test func aLongNameIsCutOnACharacterBoundaryAndStillDecodes() throws {
        let long = String(repeating: "张", count: 30)  // 90 bytes of UTF-8
        let cut = DiscoveryRecord(fingerprint: fingerprint, displayName: long, status: .available, udpPort: 1)
        let decoded = try DiscoveryRecord.decode(cut.encode(team: team), team: team)
        #expect(decoded.displayName == String(repeating: "张", count: 21))
    }
}
