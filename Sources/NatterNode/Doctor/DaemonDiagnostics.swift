import NatterAPI
import NatterCore

/// What only the running daemon knows, for `natter doctor` (`GET /v1/doctor`):
/// its forwarders' registrations, the handshakes refused for a clock
/// difference, and the colleagues linked despite one.
public struct DaemonDiagnostics: Sendable {
    let forwarders: Forwarders
    let links: PeerLinkService

    public init(forwarders: Forwarders, links: PeerLinkService) {
        self.forwarders = forwarders
        self.links = links
    }

    func view() -> DoctorView {
        DoctorView(
            forwarders: forwarders.registrations(),
            clockRefusals: links.clockRefusals.sorted { $0.key < $1.key }.map {
                ClockRefusalView(address: $0.key, count: $0.value.count, differenceMilliseconds: $0.value.differenceMilliseconds)
            },
            clockDifferences: links.clockDifferences.map { ClockDifferenceView(fingerprint: $0.key.compact, differenceMilliseconds: $0.value) }
                .sorted { $0.fingerprint < $1.fingerprint })
    }

    /// One colleague's link for `natter doctor PEER`: its path, a UDP round
    /// trip made now, and its last link error.
    func peerView(_ peer: DeviceFingerprint, name: String) async -> DoctorPeerView {
        let check = await links.checkPath(to: peer)
        return DoctorPeerView(
            fingerprint: peer.compact, name: name, link: check.link, remote: check.remote, udp: check.udp, lastError: check.lastError)
    }
}
