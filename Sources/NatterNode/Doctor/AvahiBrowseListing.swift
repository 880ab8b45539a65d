public import NatterCore
import NatterDiscovery
public import NatterWire

/// `avahi-browse --parsable --resolve --terminate _natter._tcp`'s output,
/// read and judged against this device's team (pure).
public enum AvahiBrowseListing {
    /// The arguments after the tool's path: parsable, resolved, exit after the
    /// cache is dumped, no service-type database lookups.
    public static let arguments = ["-p", "-r", "-t", "-k", AvahiDiscovery.serviceType]

    /// What the tool printed, judged at wall-clock time `now` (Unix ms; records
    /// carry their publication time and team tags rotate daily). A failure is
    /// told by avahi's own words ("Failed to create client object: Daemon not running").
    public static func outcome(status: Int32, output: String, team: TeamSubkeys, own: DeviceFingerprint, nowMilliseconds now: UInt64) -> AvahiBrowseOutcome {
        guard status == 0 else {
            if output.contains("Daemon not running") { return .notRunning }
            let words = output.split(separator: "\n").first.map(String.init) ?? "exit status \(status)"
            return .failed(words)
        }
        return .answered(AvahiBrowseOutput.resolved(output).map { judged($0, team: team, own: own, nowMilliseconds: now) })
    }

    static func judged(_ record: AvahiBrowseOutput.Resolved, team: TeamSubkeys, own: DeviceFingerprint, nowMilliseconds now: UInt64) -> BrowsedNatterRecord {
        let owner: BrowsedNatterRecord.Owner
        do throws(DiscoveryRecord.Rejection) {
            let decoded = try DiscoveryRecord.decode(record.txt, instanceName: record.instanceName, team: team, nowMilliseconds: now)
            owner = decoded.fingerprint == own ? .own : .colleague(decoded.fingerprint.compact)
        } catch .otherTeam {
            owner = .otherTeam
        } catch {
            owner = .unreadable
        }
        return BrowsedNatterRecord(instanceName: record.instanceName, interface: record.interface, address: record.address, port: record.port, owner: owner)
    }
}
