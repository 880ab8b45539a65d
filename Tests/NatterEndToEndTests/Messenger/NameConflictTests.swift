import Foundation
import LabSupport
import Testing

/// Issue 16 item 2: names are claims, fingerprints are identities. Alice and
/// Bob are linked; then a third host joins the team under the name "Bob" with
/// a device key of its own (an impostor, or Bob's second machine). Alice must
/// list one Bob plus a conflict with both fingerprints and the commands that
/// resolve it, `natter send Bob` must reach the real Bob, the impostor's
/// reconnects must cost one critical log line, the real Bob must not pin the
/// impostor under his own name, and `natter forget` must remove it.
@Suite("Name conflicts: an impostor under a colleague's name", .enabled(if: LabGate.isAvailable), .serialized)
struct NameConflictTests {
    @Test func anImpostorIsOneConflictLineWhileBobMeansTheRealBob() async throws {
        try await withMessengerLab(["Alice", "Bob", "Bob"], startDaemons: false) { lab in
            let (alice, bob, impostor) = (lab.hosts[0], lab.hosts[1], lab.hosts[2])
            try await lab.startDaemon(alice)
            try await lab.startDaemon(bob)
            try await lab.waitUntilOnline(alice, sees: "Bob")
            try await lab.waitUntilOnline(bob, sees: "Alice")
            let bobPrint = try await fingerprint(of: bob, in: lab)
            let impostorPrint = try await fingerprint(of: impostor, in: lab)
            let forgetPrefix = String(impostorPrint.compact.prefix(12))

            let aliceWatch = try await lab.watch(alice)
            let started = ContinuousClock.now
            try await lab.startDaemon(impostor)
            try await waitUntil("Alice to list the impostor as a conflict", timeout: .seconds(20)) {
                try await conflicts(of: alice, in: lab).contains { $0.fingerprint == impostorPrint.compact }
            }
            let listed = started.duration(to: .now)
            try await aliceWatch.wait(for: "a conflict event on Alice's watch") { $0.contains { $0.type == "conflict" } }
            // It keeps redialling (every maintenance round) and is refused every time.
            let aliceLog = { lab.daemon(alice)?.output() ?? "" }
            try await waitUntil("the impostor to be refused at least five times", timeout: .seconds(30), detail: { String(aliceLog().suffix(3000)) }) {
                aliceLog().components(separatedBy: "refused \"Bob\" again").count - 1 >= 4
            }

            let listing = try await lab.cli(alice, ["peers"]).stdout
            let colleagueLines = listing.split(separator: "\n").filter { $0.hasPrefix("Bob  ") }
            #expect(colleagueLines.count == 1 && colleagueLines.first?.contains(bobPrint.compact.prefix(8)) == true, "one Bob:\n\(listing)")
            #expect(listing.contains("CONFLICT  \"Bob\" is pinned to \(bobPrint.groups)"), "\(listing)")
            #expect(listing.contains("but device \(impostorPrint.groups) claims it"), "\(listing)")
            #expect(listing.contains("natter trust 'Bob'") && listing.contains("natter forget \(forgetPrefix)"), "\(listing)")
            #expect(try await lab.peers(of: alice).map(\.name) == ["Bob"], "peers --json lists one colleague")

            let watch = try await lab.watch(bob)
            try await lab.cli(alice, ["send", "Bob", "for the real Bob"])
            try await watch.wait(for: "the real Bob to receive Alice's message", timeout: .seconds(15)) {
                $0.contains { $0.type == "message" && $0.text == "for the real Bob" }
            }
            let history = try await lab.cli(alice, ["history", "Bob"]).stdout
            #expect(history.contains("for the real Bob"), "\(history)")

            let critical = aliceLog().components(separatedBy: "REFUSED:").count - 1
            let again = aliceLog().components(separatedBy: "refused \"Bob\" again").count - 1
            #expect(critical == 1, "one critical line for \(again + 1) refusals")
            #expect(aliceWatch.events().filter { $0.type == "conflict" }.count == 1, "one conflict event, not one per reconnect")
            print("name conflict lab: listed as a conflict \(listed) after the impostor's daemon started; \(again + 1) refusals in \(started.duration(to: .now)), \(critical) critical line")

            // The real Bob refuses a device under his own name and pins nobody under it.
            let bobConflicts = try await conflicts(of: bob, in: lab)
            #expect(bobConflicts.map(\.fingerprint) == [impostorPrint.compact] && bobConflicts.first?.ownName == true)
            let bobPins = try JSONDecoder().decode(PinsFile.self, from: Data(contentsOf: URL(fileURLWithPath: lab.dataDirectory(bob) + "/pins")))
            #expect(bobPins.pinned.map(\.name) == ["Alice"], "Bob pinned nobody under his own name: \(bobPins.pinned)")
            #expect(bobPins.refused.map(\.fingerprint).contains { $0.hasPrefix(impostorPrint.compact) }, "the impostor is on record as refused")

            // Gone, and forgotten.
            try await lab.stopDaemon(impostor)
            let forgotten = try await lab.cli(alice, ["forget", forgetPrefix]).stdout
            #expect(forgotten.contains("Forgot the device that claimed \"Bob\""), "\(forgotten)")
            #expect(try await conflicts(of: alice, in: lab).isEmpty)
            #expect(!(try await lab.cli(alice, ["peers"]).stdout.contains("CONFLICT")))
            try await lab.cli(alice, ["send", "Bob", "still the real Bob"])
        }
    }

    struct Print {
        /// The first 32 base32 characters, which also start the pins file's full form.
        let compact: String
        let groups: String
    }

    func fingerprint(of host: LabHost, in lab: MessengerLab) async throws -> Print {
        let json = try await lab.cli(host, ["fingerprint", "--json"]).stdout
        return Print(compact: try MessengerLab.field("fingerprint", in: json), groups: try MessengerLab.field("groups", in: json))
    }

    /// The conflict lines of `natter peers --json`.
    func conflicts(of host: LabHost, in lab: MessengerLab) async throws -> [ConflictLine] {
        let output = try await lab.cli(host, ["peers", "--json"]).stdout
        return output.split(separator: "\n").compactMap { try? JSONDecoder().decode(ConflictLine.self, from: Data($0.utf8)) }
            .filter { $0.type == "conflict" }
    }

    /// The pins file (Docs/protocol.md §4.6).
    struct PinsFile: Decodable {
        struct Entry: Decodable {
            let name: String
            let fingerprint: String
        }
        let pinned: [Entry]
        let refused: [Entry]
    }

    struct ConflictLine: Decodable {
        let type: String
        let name: String
        let fingerprint: String
        let pinned: String
        let ownName: Bool
        let resolve: [String]
    }
}
