/// Where the daemon reads this machine's addresses for ``NetworkWatch``:
/// the real interfaces in `natter up`, a value a test sets in `NatterTesting`.
public protocol NetworkSensor: Sendable {
    /// The addresses (numeric; IPv6 link-local with its `%interface`) of the
    /// interfaces that are up and running, loopback included: a link to a
    /// colleague on this machine (a static peer at 127.0.0.1) runs from it.
    func addresses() -> Set<String>
}

/// This machine's interfaces, read with `getifaddrs` at each maintenance
/// round (a netlink dump: microseconds, no wake-up of its own).
public struct SystemNetworkSensor: NetworkSensor {
    public init() {}

    public func addresses() -> Set<String> {
        Set(DoctorProbes.interfaces().filter(\.up).flatMap(\.addresses))
    }
}
