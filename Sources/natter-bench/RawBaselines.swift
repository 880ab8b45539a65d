import ArgumentParser
import Foundation

/// The raw network between two lab hosts, measured by the same harness in the
/// same run with the same CPU pinning as natter: the floor natter is compared to.
struct UDPEcho: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "udp-echo", abstract: "Echo UDP datagrams back (bounded in time).")
    @Argument var port: UInt16
    @Option(help: "Exit after this many seconds.") var seconds = 120

    func run() throws {
        let socket = try Socket(type: SOCK_DGRAM)
        try socket.bind(port: port)
        socket.setReceiveTimeout(milliseconds: 500)
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 2048)
        var peer = sockaddr_storage()
        while ContinuousClock.now < deadline {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket.descriptor, &buffer, buffer.count, 0, $0, &length) }
            }
            guard count > 0 else { continue }
            _ = withUnsafePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socket.descriptor, buffer, count, 0, $0, length) }
            }
        }
    }
}

struct UDPPing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udp-ping", abstract: "Round trips of a small datagram; reports half of each (one-way).")
    @Argument var host: String
    @Argument var port: UInt16
    @Option var count = 2000

    func run() throws {
        let socket = try Socket(type: SOCK_DGRAM)
        try socket.connect(host: host, port: port)
        socket.setReceiveTimeout(milliseconds: 1000)
        var samples = Samples()
        var buffer = [UInt8](repeating: 0, count: 64)
        let payload = [UInt8](repeating: 0x42, count: 45)  // the size of a state datagram
        for index in 0..<(count + count / 10) {  // the first tenth warms up and is not counted
            let start = ContinuousClock.now
            guard send(socket.descriptor, payload, payload.count, 0) == payload.count else { throw BenchError("send failed: \(errno)") }
            guard recv(socket.descriptor, &buffer, buffer.count, 0) > 0 else { continue }  // a loss: not a sample
            if index >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        print(samples.summary("udp-one-way", factor: 0.5))
    }
}

struct TCPEcho: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tcp-echo", abstract: "Answer each small TCP request (bounded in time).")
    @Argument var port: UInt16
    @Option(help: "Exit after this many seconds.") var seconds = 120

    func run() throws {
        let listener = try Socket(type: SOCK_STREAM)
        try listener.bind(port: port)
        guard listen(listener.descriptor, 4) == 0 else { throw BenchError("listen failed") }
        let deadline = ContinuousClock.now + .seconds(seconds)
        listener.setReceiveTimeout(milliseconds: 500)
        while ContinuousClock.now < deadline {
            let connection = accept(listener.descriptor, nil, nil)
            guard connection >= 0 else { continue }
            setNoDelay(connection)
            var buffer = [UInt8](repeating: 0, count: 2048)
            while ContinuousClock.now < deadline {
                let count = read(connection, &buffer, buffer.count)
                guard count > 0 else { break }
                _ = write(connection, buffer, count)
            }
            close(connection)
        }
    }
}

struct TCPPing: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tcp-ping", abstract: "TCP request/response round trips.")
    @Argument var host: String
    @Argument var port: UInt16
    @Option var count = 2000

    func run() throws {
        let socket = try Socket(type: SOCK_STREAM)
        try socket.connect(host: host, port: port)
        setNoDelay(socket.descriptor)
        var samples = Samples()
        var buffer = [UInt8](repeating: 0, count: 256)
        let payload = [UInt8](repeating: 0x42, count: 100)  // about a short chat frame
        for index in 0..<(count + count / 10) {  // the first tenth warms up and is not counted
            let start = ContinuousClock.now
            guard write(socket.descriptor, payload, payload.count) == payload.count else { throw BenchError("write failed") }
            var received = 0
            while received < payload.count {
                let count = read(socket.descriptor, &buffer, buffer.count)
                guard count > 0 else { throw BenchError("the echo server went away") }
                received += count
            }
            if index >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        print(samples.summary("tcp-round-trip"))
    }
}

/// Small writes leave at once (no Nagle delay), as natter's links send them.
func setNoDelay(_ descriptor: Int32) {
    var noDelay: Int32 = 1
    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
}

/// A BSD socket, just enough for the baselines.
final class Socket {
    let descriptor: Int32

    init(type: __socket_type) throws {
        descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket failed: \(errno)") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    func bind(port: UInt16) throws {
        var address = Self.address(host: "0.0.0.0", port: port)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw BenchError("bind to port \(port) failed: \(errno)") }
    }

    func connect(host: String, port: UInt16) throws {
        var address = Self.address(host: host, port: port)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw BenchError("connect to \(host):\(port) failed: \(errno)") }
    }

    func setReceiveTimeout(milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    static func address(host: String, port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }
}
