import NatterCore
@testable import NatterNode
import Testing

@Suite("Conflict reports: one critical line per conflict, then a count")
struct ConflictReportsTests {
    let mallory = DeviceFingerprint(bytes: [UInt8](repeating: 0x3A, count: 32))
    let eve = DeviceFingerprint(bytes: [UInt8](repeating: 0xEE, count: 32))

    static func at(_ seconds: Int) -> MonotonicInstant { MonotonicInstant(sinceOrigin: .seconds(seconds)) }

    @Test func theFirstRefusalIsReportedThenOnlyCountedThenSummarisedOncePerInterval() {
        var reports = ConflictReports(interval: .seconds(600))
        let key = ConflictReports.Key(name: "Bob", claimant: mallory)
        #expect(reports.met(key, at: Self.at(0)) == .first(withheld: 0))
        for second in stride(from: 5, to: 600, by: 5) {
            #expect(reports.met(key, at: Self.at(second)) == .quiet, "a reconnect at \(second) s is only counted")
        }
        #expect(reports.met(key, at: Self.at(600)) == .summary(count: 120, since: .seconds(600)))
        #expect(reports.met(key, at: Self.at(601)) == .quiet)
        #expect(reports.met(key, at: Self.at(1300)) == .summary(count: 2, since: .seconds(700)))
        #expect(reports.count(key) == 123)
    }

    @Test func eachConflictIsItsOwnAndNamesDifferOnlyByCaseAreOne() {
        var reports = ConflictReports(interval: .seconds(600))
        #expect(reports.met(ConflictReports.Key(name: "Bob", claimant: mallory), at: Self.at(0)) == .first(withheld: 0))
        #expect(reports.met(ConflictReports.Key(name: "bob", claimant: mallory), at: Self.at(1)) == .quiet)
        #expect(reports.met(ConflictReports.Key(name: "Bob", claimant: eve), at: Self.at(2)) == .first(withheld: 0), "another device")
        #expect(reports.met(ConflictReports.Key(name: "Carol", claimant: mallory), at: Self.at(3)) == .first(withheld: 0), "another name")
    }

    @Test func aForgottenDeviceIsNewsAgain() {
        var reports = ConflictReports(interval: .seconds(600))
        let key = ConflictReports.Key(name: "Bob", claimant: mallory)
        _ = reports.met(key, at: Self.at(0))
        reports.forget(mallory)
        #expect(reports.count(key) == 0)
        #expect(reports.met(key, at: Self.at(1)) == .first(withheld: 0))
    }

    @Test func theTallyIsBoundedAndTheStalestConflictGoesFirst() {
        var reports = ConflictReports(interval: .seconds(600), capacity: 2)
        let bob = ConflictReports.Key(name: "Bob", claimant: mallory), carol = ConflictReports.Key(name: "Carol", claimant: mallory)
        let dave = ConflictReports.Key(name: "Dave", claimant: eve)
        _ = reports.met(bob, at: Self.at(0))
        _ = reports.met(carol, at: Self.at(1))
        #expect(reports.met(dave, at: Self.at(2)) == .first(withheld: 0))
        #expect(reports.count(bob) == 0 && reports.count(carol) == 1 && reports.count(dave) == 1)
        #expect(reports.met(bob, at: Self.at(3)) == .first(withheld: 0), "dropped, so news again")
    }

    @Test func manyNewConflictsGetAFewLinesAndACountNotALineEach() {
        var reports = ConflictReports(interval: .seconds(600), newLinesPerInterval: 2)
        let made = (0..<5).map { ConflictReports.Key(name: "Bob", claimant: DeviceFingerprint(bytes: [UInt8](repeating: UInt8($0), count: 32))) }
        #expect(reports.met(made[0], at: Self.at(0)) == .first(withheld: 0))
        #expect(reports.met(made[1], at: Self.at(1)) == .first(withheld: 0))
        #expect(reports.met(made[2], at: Self.at(2)) == .quiet, "over the limit: counted only")
        #expect(reports.met(made[3], at: Self.at(3)) == .quiet)
        #expect(reports.met(made[3], at: Self.at(4)) == .quiet)
        #expect(reports.count(made[3]) == 2)
        // The next interval: one that keeps coming gets its line, with the count of the others.
        #expect(reports.met(made[3], at: Self.at(600)) == .first(withheld: 1))
        #expect(reports.met(made[4], at: Self.at(601)) == .first(withheld: 0))
        #expect(reports.met(made[2], at: Self.at(602)) == .quiet, "two lines in this interval already")
    }
}
