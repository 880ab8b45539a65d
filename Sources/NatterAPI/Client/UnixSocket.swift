import Foundation
import NIOCore

/// A connected Unix-domain stream socket with blocking reads and writes:
/// the client side of the local API. Blocking is deliberate — a CLI command
/// does one thing and exits, and an event stream reads on a thread of its own.
struct UnixSocket: Sendable {
    let descriptor: Int32

    static func connect(to path: String) throws(LocalAPIClientError) -> UnixSocket {
        guard let address = try? SocketAddress(unixDomainSocketPath: path) else {
            throw .daemonError("the API socket path is too long: \(path)")
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .notRunning(socketPath: path) }
        let result = address.withSockAddr { Foundation.connect(descriptor, $0, socklen_t($1)) }
        guard result == 0 else {
            Foundation.close(descriptor)
            throw .notRunning(socketPath: path)
        }
        return UnixSocket(descriptor: descriptor)
    }

    /// Sends everything; false when the connection is closed (the daemon
    /// closed it). Never raises SIGPIPE.
    func writeAllIfOpen(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    /// A kept connection is usable when the daemon has neither closed it nor
    /// said anything on it since its last answer (an unasked-for `408`).
    var isIdleAndOpen: Bool {
        var byte: UInt8 = 0
        let peeked = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    func writeAll(_ bytes: [UInt8]) throws(LocalAPIClientError) {
        guard writeAllIfOpen(bytes) else { throw .daemonError("the connection to the daemon broke while sending") }
    }

    /// Reads what is available (waiting for at least one byte); empty at end of stream.
    func read(into buffer: inout [UInt8]) -> ArraySlice<UInt8> {
        while true {
            let count = Foundation.read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            return count > 0 ? buffer[0..<count] : []
        }
    }

    /// Ends a blocked read from another thread (the reader then sees end of stream).
    func shutDown() { _ = Foundation.shutdown(descriptor, Int32(SHUT_RDWR)) }

    func close() { _ = Foundation.close(descriptor) }
}
