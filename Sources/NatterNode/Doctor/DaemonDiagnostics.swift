import NatterAPI

/// What only the running daemon knows, for `natter doctor` (`GET /v1/doctor`):
/// its forwarders' registrations and the handshakes refused for a clock difference.
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
            clockRefusals: links.clockRefusals.sorted { $0.key < $1.key }.map { ClockRefusalView(address: $0.key, count: $0.value) })
    }
}
