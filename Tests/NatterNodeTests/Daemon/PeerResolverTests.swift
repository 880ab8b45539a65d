import NatterCore
import NatterNode
import Testing

@Suite("PEER resolution")
struct PeerResolverTests {
    static func candidate(_ byte: UInt8, _ name: String) -> PeerResolver.Candidate {
        PeerResolver.Candidate(fingerprint: DeviceFingerprint(bytes: [byte] + [UInt8](repeating: 0, count: 31)), name: name)
    }
    let bob = candidate(0x10, "Bob")
    let bobby = candidate(0x20, "Bobby")
    let alice = candidate(0x30, "Alice Example")

    @Test func exactNameBeatsNamePrefix() throws {
        #expect(try PeerResolver.resolve("bob", among: [bob, bobby, alice]).get() == bob)
        #expect(try PeerResolver.resolve("ali", among: [bob, bobby, alice]).get() == alice)
    }

    @Test func fingerprintPrefixWorksWithSpacesAndCase() throws {
        let prefix = String(bobby.fingerprint.compact.prefix(6)).lowercased()
        #expect(try PeerResolver.resolve(prefix, among: [bob, bobby, alice]).get() == bobby)
    }

    @Test func ambiguityListsTheCandidates() {
        let result = PeerResolver.resolve("bo", among: [bob, bobby, alice])
        guard case .failure(let failure) = result else {
            Issue.record("expected ambiguity, got \(result)")
            return
        }
        #expect(failure == .ambiguous("bo", [bob, bobby]))
        #expect(failure.description.contains("Bob ("))
        #expect(failure.description.contains("Bobby ("))
    }

    @Test func aWholeFingerprintMeansItsDeviceWhateverAnotherCallsHerself() throws {
        let mallory = Self.candidate(0x40, bob.fingerprint.compact)
        #expect(try PeerResolver.resolve(bob.fingerprint.compact, among: [bob, mallory]).get() == bob)
        #expect(try PeerResolver.resolve(bob.fingerprint.compact.lowercased(), among: [mallory, bob]).get() == bob)
    }

    @Test func aNameThatIsAnotherColleaguesFingerprintPrefixIsAmbiguous() {
        let prefix = String(bob.fingerprint.compact.prefix(8))
        let mallory = Self.candidate(0x40, prefix)
        #expect(throws: PeerResolver.Failure.ambiguous(prefix, [bob, mallory].sorted { $0.name < $1.name })) {
            try PeerResolver.resolve(prefix, among: [bob, mallory]).get()
        }
    }

    @Test func unknownIsAClearError() {
        #expect(throws: PeerResolver.Failure.noMatch("carol")) { try PeerResolver.resolve("carol", among: [bob]).get() }
        #expect(throws: PeerResolver.Failure.noMatch(" ")) { try PeerResolver.resolve(" ", among: [bob]).get() }
    }
}
