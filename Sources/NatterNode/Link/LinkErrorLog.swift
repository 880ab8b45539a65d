import NatterAPI
import NatterCore
import NatterWire

/// The last link error with each colleague, for `natter doctor PEER`
/// (`GET /v1/doctor?peer=`): what went wrong, where and when. A value the
/// link service keeps behind its lock; bounded, the oldest entry is
/// forgotten first. Only errors whose colleague is known are kept — a dial
/// to a discovered device (its first message is bound to it), or a link
/// whose handshake completed; a stranger's refused handshake has no
/// colleague to file it under (the doctor's `clock` line counts those by address).
struct LinkErrorLog: Sendable {
    struct Entry: Sendable, Equatable {
        let kind: LinkErrorKind
        let text: String
        let address: String
        let atMilliseconds: UInt64
    }

    /// How many colleagues' last errors are kept: an office's worth.
    static let capacity = 256

    private let capacity: Int
    private var entries: [DeviceFingerprint: Entry] = [:]

    init(capacity: Int = LinkErrorLog.capacity) {
        self.capacity = capacity
    }

    var count: Int { entries.count }

    mutating func record(_ kind: LinkErrorKind, _ text: String, peer: DeviceFingerprint, address: String, atMilliseconds: UInt64) {
        entries[peer] = Entry(kind: kind, text: text, address: address, atMilliseconds: atMilliseconds)
        if entries.count > capacity, let oldest = entries.min(by: { $0.value.atMilliseconds < $1.value.atMilliseconds })?.key {
            entries[oldest] = nil
        }
    }

    func last(for peer: DeviceFingerprint) -> Entry? { entries[peer] }

    /// What kind of error a link error is, and its sentence with the address.
    static func describe(_ error: LinkError, address: String) -> (LinkErrorKind, String) {
        switch error {
        case .refusedByResponder:
            (.handshakeRefused, "\(address) refused this device's handshake without a clock hint: another team key, or it took the message for a replay")
        case .unexpectedResponder:
            (.wrongDevice, "another device answered at \(address): the address now belongs to another member, or the record was stale")
        case .transportAuthenticationFailed:
            (.damaged, "a frame from \(address) failed authentication (damaged or tampered with in transit); the link was closed")
        default:
            (.protocolError, "the link with \(address) was closed: \(error)")
        }
    }

    /// What kind of error a failed TCP connect is, from the error's own words.
    static func describeConnect(_ failure: String, address: String, timeout: Duration) -> (LinkErrorKind, String) {
        let lowered = failure.lowercased()
        if lowered.contains("refused") {
            return (.refused, "the TCP connection to \(address) was refused: natter is not running there, or a firewall rejects it")
        }
        if lowered.contains("timeout") || lowered.contains("timed out") {
            return (.timedOut, "the TCP connection to \(address) timed out after \(timeout): a firewall drops it, or the machine is off or elsewhere")
        }
        return (.unreachable, "the TCP connection to \(address) failed: \(failure)")
    }
}
