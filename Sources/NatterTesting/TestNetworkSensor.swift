public import NatterNode
import Synchronization

/// This machine's addresses as a test sets them: the daemon's
/// `NetworkWatch` reads them at every maintenance round, so a test moves a
/// daemon to another address, or takes its interface down, by assigning.
public final class TestNetworkSensor: NetworkSensor {
    private let current: Mutex<Set<String>>

    public init(_ addresses: Set<String>) {
        current = Mutex(addresses)
    }

    public func addresses() -> Set<String> { current.withLock { $0 } }

    public func set(_ addresses: Set<String>) { current.withLock { $0 = addresses } }
}
