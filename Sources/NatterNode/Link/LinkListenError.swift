import NIOCore
import Foundation

/// The link layer could not listen: the one thing to change is the port.
public struct LinkListenError: Error, CustomStringConvertible {
    public enum Transport: String, Sendable {
        case tcp, udp
    }

    public let transport: Transport
    public let port: Int
    /// The system's reason, e.g. "Address already in use".
    public let reason: String

    init(transport: Transport, port: Int, underlying: any Error) {
        self.transport = transport
        self.port = port
        if let error = underlying as? IOError {
            reason = String(cString: strerror(error.errnoCode))
        } else {
            reason = String(describing: underlying)
        }
    }

    public var description: String {
        let name = transport.rawValue.uppercased()
        return "cannot listen for colleagues on \(name) port \(port): \(reason); another program (or another natter) has it — "
            + "set network.\(transport.rawValue)_port in config.toml to a free port, or 0 for any"
    }
}
