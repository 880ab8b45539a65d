import Foundation

/// A connected Unix-domain stream socket with blocking reads and writes:
/// the client side of the local API. Blocking is deliberate — a CLI command
/// does one thing and exits, and an event stream reads on a thread of its own.
struct UnixSocket: Sendable {
    let descriptor: Int32

    static func connect(to path: String) throws(LocalAPIClientError) -> UnixSocket {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw .notRunning(socketPath: path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Foundation.close(descriptor)
            throw .daemonError("the API socket path is too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            Foundation.close(descriptor)
            throw .notRunning(socketPath: path)
        }
        return UnixSocket(descriptor: descriptor)
    }

    func writeAll(_ bytes: [UInt8]) throws(LocalAPIClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw .daemonError("the connection to the daemon broke while sending") }
            offset += written
        }
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
