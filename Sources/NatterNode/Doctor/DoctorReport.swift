/// What `natter doctor` found: one line per check, in order, each OK, WARN or
/// FAIL and, for anything not OK, the one thing to do about it
/// (Docs/doctor.md). Decided by ``DoctorChecks`` from gathered facts; the CLI
/// only gathers and prints.
public struct DoctorReport: Codable, Sendable, Equatable {
    public var checks: [DoctorLine]
    /// True when every check is OK: `natter doctor` exits 0 only then.
    public var ok: Bool

    public init(checks: [DoctorLine]) {
        self.checks = checks
        ok = checks.allSatisfy { $0.verdict == .ok }
    }

    /// The exit status: 0 when everything is OK, 1 otherwise.
    public var exitStatus: Int32 { ok ? 0 : 1 }

    /// One line per check, for a terminal.
    public var text: String {
        checks.map(\.text).joined(separator: "\n")
    }
}

public enum DoctorVerdict: String, Codable, Sendable, Equatable {
    case ok = "OK"
    case warn = "WARN"
    case fail = "FAIL"
}

/// One check's outcome. `fix` is present exactly when the verdict is not OK.
public struct DoctorLine: Codable, Sendable, Equatable {
    /// The check's stable name (`daemon`, `avahi`, `own-record`, `interfaces`,
    /// `firewall`, `other-teams`, `peer`, `peer-record`, `peer-tcp`, `peer-link`).
    public var check: String
    public var verdict: DoctorVerdict
    /// What was found, one sentence.
    public var summary: String
    /// The one thing to do about it; absent when OK.
    public var fix: String?

    public init(_ check: String, _ verdict: DoctorVerdict, _ summary: String, fix: String? = nil) {
        self.check = check
        self.verdict = verdict
        self.summary = summary
        self.fix = verdict == .ok ? nil : fix
    }

    /// `FAIL firewall: … — do: …`
    public var text: String {
        let head = verdict.rawValue + String(repeating: " ", count: 4 - verdict.rawValue.count) + " \(check): \(summary)"
        guard let fix else { return head }
        return head + " — do: " + fix
    }
}
