import Crypto
import Foundation
import NatterCore
import Testing

@testable import NatterWire

@Suite struct TeamKeyTests {
    @Test func subkeysAreDistinctPerPurposeAndStablePerKey() throws {
        let key = try TeamKey(bytes: Array(repeating: UInt8(7), count: 32))
        let again = try TeamKey(bytes: key.bytes)
        let all = [key.subkeys.psk, key.subkeys.admit, key.subkeys.tag, key.subkeys.seal, key.subkeys.fwd]
            .map { $0.withUnsafeBytes { Array($0) } }
        #expect(Set(all).count == 5)
        #expect(key.subkeys.teamTag == again.subkeys.teamTag)
        #expect(key.subkeys.teamTag != TeamKey().subkeys.teamTag)
    }

    @Test func rejectsKeysOfTheWrongLength() {
        #expect(throws: WireError.invalidTeamKey) { try TeamKey(bytes: [UInt8](repeating: 1, count: 31)) }
    }

    @Test func teamTagRoundTripsThroughHex() throws {
        let tag = TeamKey().subkeys.teamTag
        #expect(tag.description.count == 16)
        #expect(TeamTag(hex: tag.description) == tag)
        #expect(TeamTag(hex: "zz") == nil)
    }

    @Test func sealedBoxOpensOnlyWithTheSameTeamAndContext() {
        let team = TeamKey().subkeys
        let box = team.seal(Array("Alice Example".utf8), context: Array("ctx".utf8))
        #expect(team.open(box, context: Array("ctx".utf8)) == Array("Alice Example".utf8))
        #expect(team.open(box, context: Array("other".utf8)) == nil)
        #expect(TeamKey().subkeys.open(box, context: Array("ctx".utf8)) == nil)
        var tampered = box
        tampered[14] ^= 1
        #expect(team.open(tampered, context: Array("ctx".utf8)) == nil)
        #expect(team.open([1, 2, 3], context: Array("ctx".utf8)) == nil)
    }

    @Test func keyedFingerprintDiffersAcrossTeams() {
        let fingerprint = DeviceIdentity().fingerprint
        let first = TeamKey().subkeys.keyedFingerprint(fingerprint.bytes)
        let second = TeamKey().subkeys.keyedFingerprint(fingerprint.bytes)
        #expect(first.count == 16)
        #expect(first != second)
    }

    @Test func deviceIdentityRoundTripsAndFingerprintsItsPublicKey() throws {
        let identity = DeviceIdentity()
        let restored = try DeviceIdentity(rawRepresentation: Array(identity.privateKey.rawRepresentation))
        #expect(restored.fingerprint == identity.fingerprint)
        #expect(identity.fingerprint != DeviceIdentity().fingerprint)
    }

    /// The values published on mDNS for one epoch, computed independently
    /// (Python's hmac/hashlib from Docs/protocol.md §2.1) for the team key
    /// [7] * 32, epoch 20000 and the fingerprint [9] * 32.
    @Test func theEpochValuesMatchAnIndependentComputation() throws {
        let team = try TeamKey(bytes: [UInt8](repeating: 7, count: 32)).subkeys
        let fingerprint = [UInt8](repeating: 9, count: 32)
        #expect(team.teamTag.description == "1953b7fe0080cb51")
        #expect(team.publishedTeamTag(epoch: 20000).description == "6024edc446436bfd")
        #expect(Hex.encode(team.keyedFingerprint(fingerprint, epoch: 20000)) == "82c37bf312661bf38ba90c0156c8f353")
        // Another day, other values; and never the stable ones.
        #expect(team.publishedTeamTag(epoch: 20001) != team.publishedTeamTag(epoch: 20000))
        #expect(team.keyedFingerprint(fingerprint, epoch: 20001) != team.keyedFingerprint(fingerprint, epoch: 20000))
        #expect(team.keyedFingerprint(fingerprint, epoch: 20000) != team.keyedFingerprint(fingerprint))
    }
}
