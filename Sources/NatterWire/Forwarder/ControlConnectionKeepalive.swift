#if canImport(Glibc)
import Glibc
#endif

/// How a forwarder's control connection proves it is alive without either
/// process waking up (Docs/protocol.md §9.3, Liveness): kernel TCP keepalives.
/// An idle member costs its forwarder no read, no decrypt and no timer —
/// only the kernel's probes, which it answers from its own ACKs — so 10,000
/// idle members stay well under 1 % of a core, where a sealed keepalive each
/// way every 4 s cost 2 % at 2,000.
///
/// Both sides set the same options on every control connection: the
/// forwarder learns of a vanished member, and a member of a vanished
/// forwarder, when the kernel gives up on the connection (`ETIMEDOUT`).
/// A process that is alive but stopped is not detected: its kernel still
/// answers. What must be detected is a machine that left the network.
public struct ControlConnectionKeepalive: Sendable, Equatable {
    /// Quiet time before the first probe (`TCP_KEEPIDLE`).
    public var idle: Duration
    /// Time between unanswered probes (`TCP_KEEPINTVL`).
    public var interval: Duration
    /// Unanswered probes after which the connection is dead (`TCP_KEEPCNT`).
    public var probes: Int

    public init(idle: Duration, interval: Duration, probes: Int) {
        self.idle = idle
        self.interval = interval
        self.probes = probes
    }

    /// Natter's settings: a vanished peer is noticed 14 s after the last
    /// thing it acknowledged, inside the 15 s that Docs/protocol.md §9.3 promises.
    public static let standard = ControlConnectionKeepalive(idle: .seconds(5), interval: .seconds(3), probes: 3)

    /// Longest time from the peer's last acknowledgement to the kernel
    /// closing the connection, while the connection is idle.
    public var idleDetection: Duration { idle + interval * probes }

    /// `TCP_USER_TIMEOUT`: written data left unacknowledged this long closes
    /// the connection. Without it a connection with unacknowledged data (a
    /// `peer` announcement sent just as the member vanished) never probes and
    /// waits out the retransmissions, 15 minutes. The same bound as idle.
    public var userTimeout: Duration { idleDetection }

    /// The socket option values, whole seconds and milliseconds, as `setsockopt` takes them.
    public var idleSeconds: Int32 { Int32(idle.components.seconds) }
    public var intervalSeconds: Int32 { Int32(interval.components.seconds) }
    public var userTimeoutMilliseconds: Int32 {
        let (seconds, attoseconds) = userTimeout.components
        return Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// One `setsockopt` call: level, option name, value.
    public struct SocketOption: Sendable, Equatable {
        public var level: Int32
        public var name: Int32
        public var value: Int32
    }

    /// What each side sets on a control connection's socket, in this order.
    public var socketOptions: [SocketOption] {
        let tcp = Int32(IPPROTO_TCP)
        return [
            SocketOption(level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1),
            SocketOption(level: tcp, name: TCP_KEEPIDLE, value: idleSeconds),
            SocketOption(level: tcp, name: TCP_KEEPINTVL, value: intervalSeconds),
            SocketOption(level: tcp, name: TCP_KEEPCNT, value: Int32(probes)),
            SocketOption(level: tcp, name: TCP_USER_TIMEOUT, value: userTimeoutMilliseconds),
        ]
    }
}
