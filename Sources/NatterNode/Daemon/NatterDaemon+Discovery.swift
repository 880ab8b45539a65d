import Logging
public import NatterCore

/// When to dial a colleague again after a failed attempt: 1 s, doubling to 30 s.
struct DialBackoff: Sendable {
    static let first: Duration = .seconds(1)
    static let maximum: Duration = .seconds(30)

    var delay: Duration = first
    var notBefore: ContinuousClock.Instant

    mutating func failed(at now: ContinuousClock.Instant) {
        notBefore = now + delay
        delay = min(delay * 2, Self.maximum)
    }
}

extension NatterDaemon {
    /// Discovery announced (or updated) a colleague.
    func discovered(_ peer: DeviceFingerprint, name: String, status: String, addresses: [String], port: UInt16) {
        guard peer != identity.fingerprint else { return }
        let previous = discovered[peer]
        discovered[peer] = DiscoveredColleague(name: name, status: status, addresses: addresses, port: port)
        names[peer] = name
        if previous?.name != name { remember(peer) }
        if linked.contains(peer), previous?.status != status || previous?.name != name {
            events.publish("peer", peerView(peer))
        }
        dialIfNeeded(peer)
    }

    /// Discovery lost a colleague (mDNS goodbye). The link, if any, decides
    /// whether they are offline: it may still be alive.
    func lost(_ peer: DeviceFingerprint) {
        discovered[peer] = nil
        dialAttempts[peer] = nil
    }

    /// Dials a discovered colleague that has no link, respecting the backoff.
    /// Of two colleagues who see each other, the lower fingerprint dials first;
    /// the other dials only after a grace period, so they rarely cross.
    func dialIfNeeded(_ peer: DeviceFingerprint) {
        guard !linked.contains(peer), let colleague = discovered[peer], let address = colleague.addresses.first else { return }
        let now = clock.now
        if var attempt = dialAttempts[peer] {
            guard now >= attempt.notBefore else { return }
            attempt.failed(at: now)
            dialAttempts[peer] = attempt
        } else {
            var attempt = DialBackoff(notBefore: now)
            if identity.fingerprint > peer {
                attempt.notBefore = now + DialBackoff.first * 2
                dialAttempts[peer] = attempt
                return
            }
            attempt.failed(at: now)
            dialAttempts[peer] = attempt
        }
        let port = colleague.port
        Task { [links] in await links.dial(host: address, port: port) }
    }

    /// The periodic housekeeping: dial who should be dialled, resend what was
    /// not acknowledged.
    func maintenance() async {
        for peer in discovered.keys { dialIfNeeded(peer) }
        for peer in linked { flushOutbox(to: peer, olderThan: DaemonTimings.resendAfterMilliseconds) }
        for text in config.staticPeers {
            guard let (host, port) = Self.splitHostPort(text) else { continue }
            // Static peers are dialled until some link is up from them; their
            // identity is learned in the handshake, so dial on each round
            // while nobody from that address is linked.
            if !linkHosts.values.contains(host) {
                await links.dial(host: host, port: port)
            }
        }
    }

    static func splitHostPort(_ text: String) -> (String, UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
