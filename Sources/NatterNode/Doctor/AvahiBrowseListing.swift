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
        return .answered(records(output).map { judged($0, team: team, own: own, nowMilliseconds: now) })
    }

    /// One resolved line: `=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT`.
    public struct Resolved: Sendable, Equatable {
        public var interface: String
        public var instanceName: String
        public var address: String
        public var port: Int
        public var txt: [String]
    }

    static func records(_ output: String) -> [Resolved] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ";", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 10, fields[0] == "=", let port = Int(fields[8]) else { return nil }
            return Resolved(interface: fields[1], instanceName: unescaped(fields[3]), address: fields[7], port: port, txt: txtStrings(fields[9]))
        }
    }

    static func judged(_ record: Resolved, team: TeamSubkeys, own: DeviceFingerprint, nowMilliseconds now: UInt64) -> BrowsedNatterRecord {
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

    /// `"a=b" "c=d"`: each string quoted, `\"` and `\\` escaped, `\DDD` a decimal byte.
    static func txtStrings(_ field: String) -> [String] {
        var strings: [String] = []
        var current: [UInt8]?
        var bytes = Array(field.utf8)[...]
        while let byte = bytes.popFirst() {
            switch (byte, current) {
            case (UInt8(ascii: "\""), nil):
                current = []
            case (UInt8(ascii: "\""), let text?):
                strings.append(String(decoding: text, as: UTF8.self))
                current = nil
            case (UInt8(ascii: "\\"), .some):
                let digits = bytes.prefix(3)
                if digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                    let value = UInt8(String(decoding: digits, as: UTF8.self)) {
                    current?.append(value)
                    bytes = bytes.dropFirst(3)
                } else if let next = bytes.popFirst() {
                    current?.append(next)
                }
            case (_, .some):
                current?.append(byte)
            default:
                continue
            }
        }
        return strings
    }

    /// avahi escapes a service name's dots, backslashes and non-printables (`\.`, `\\`, `\032`).
    static func unescaped(_ name: String) -> String {
        txtStrings("\"" + name + "\"").first ?? name
    }
}
