import Foundation
import NatterWire
import Synchronization

/// A simulated member of a forwarder (Docs/protocol.md §9), made with
/// NatterWire over blocking sockets: the control handshake, registration,
/// relay requests and joins, and keepalives from a helper thread.
final class ForwarderMember: Sendable {
    let host: String
    let port: UInt16
    let keyedFingerprint: [UInt8]
    private let socket: Int32
    private let state: Mutex<ForwarderChannel>
    private let inbox = Mutex<[UInt8]>([])

    /// Connects, runs the handshake and registers with `udpPort` and no addresses (the forwarder adds the one it sees).
    init(host: String, port: UInt16, key: ForwarderKey, keyedFingerprint: [UInt8], udpPort: UInt16) throws {
        self.host = host
        self.port = port
        self.keyedFingerprint = keyedFingerprint
        socket = try Self.connect(host: host, port: port)
        let handshake = ForwarderClientHandshake(key: key, nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
        try Self.writeFrame(socket, handshake.hello)
        var buffer: [UInt8] = []
        let welcome = try Self.readFrame(socket, &buffer)
        var channel = try handshake.complete(welcome: welcome)
        let entry = DirectoryEntry(
            keyedFingerprint: keyedFingerprint, addresses: [], tcpPort: 1, udpPort: udpPort, sealedRecord: Self.random(64))
        try Self.writeFrame(socket, channel.seal(.register(entry)))
        state = Mutex(channel)
        inbox.withLock { $0 = buffer }
    }

    deinit { close(socket) }

    /// The next control message (blocking).
    func receive() throws -> ForwarderMessage {
        var buffer = inbox.withLock { $0 }
        let frame = try Self.readFrame(socket, &buffer)
        inbox.withLock { $0 = buffer }
        return try state.withLock { try $0.open(frame) }
    }

    func send(_ message: ForwarderMessage) throws {
        let frame = state.withLock { $0.seal(message) }
        try Self.writeFrame(socket, frame)
    }

    /// Asks for a relay to `target`, retrying while the target is not registered yet; returns the invitation.
    func requestRelay(to target: [UInt8], timeout: Duration = .seconds(10)) throws -> RelayInvitation {
        let deadline = ContinuousClock.now + timeout
        var id: UInt32 = 1
        try send(.relayRequest(id: id, target: target))
        while ContinuousClock.now < deadline {
            switch try receive() {
            case .relayInvitation(let invitation) where invitation.requestID == id: return invitation
            case .relayRefused(let refused, let reason) where refused == id:
                guard reason == .notRegistered else { throw BenchError("relay refused: \(reason)") }
                Thread.sleep(forTimeInterval: 1.1)  // the forwarder allows 10 requests per 10 s
                id += 1
                try send(.relayRequest(id: id, target: target))
            default: continue
            }
        }
        throw BenchError("no relay invitation within \(timeout)")
    }

    /// Waits for the invitation another member's request causes.
    func awaitInvitation(timeout: Duration) throws -> RelayInvitation {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if case .relayInvitation(let invitation) = try receive() { return invitation }
        }
        throw BenchError("no relay invitation within \(timeout)")
    }

    /// Opens the relay leg (`join(token)`); returns the socket after `joined` arrives (both legs joined).
    static func join(host: String, port: UInt16, token: [UInt8]) throws -> Int32 {
        let leg = try connect(host: host, port: port)
        try writeFrame(leg, ForwarderEnvelope.join(token: token))
        return leg
    }

    static func awaitJoined(_ leg: Int32) throws {
        var buffer: [UInt8] = []
        guard try readFrame(leg, &buffer) == ForwarderEnvelope.joined else { throw BenchError("expected joined") }
    }

    /// Sends a keepalive every 4 s from a thread of its own, while `until` has not passed.
    func keepAlive(until deadline: ContinuousClock.Instant) {
        let thread = Thread { [self] in
            while ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 4)
                try? send(.keepalive)
            }
        }
        thread.start()
    }

    // MARK: Sockets

    static func connect(host: String, port: UInt16) throws -> Int32 {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket failed: \(errno)") }
        setNoDelay(fd)
        var address = Socket.address(host: host, port: port)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw BenchError("connect to \(host):\(port) failed: \(errno)")
        }
        return fd
    }

    static func writeFrame(_ fd: Int32, _ body: [UInt8]) throws {
        let frame = [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
        var written = 0
        while written < frame.count {
            let count = frame[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { throw BenchError("write to the forwarder failed: \(errno)") }
            written += count
        }
    }

    /// One length-prefixed message; `buffer` keeps what was read beyond it.
    static func readFrame(_ fd: Int32, _ buffer: inout [UInt8]) throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if buffer.count >= 2 {
                let length = Int(buffer[0]) << 8 | Int(buffer[1])
                if buffer.count >= 2 + length {
                    let frame = Array(buffer[2..<(2 + length)])
                    buffer.removeFirst(2 + length)
                    return frame
                }
            }
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { throw BenchError("the forwarder closed the connection") }
            buffer += chunk[0..<count]
        }
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func key(codeFile: String) throws -> ForwarderKey {
        let text = try String(contentsOfFile: codeFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try ForwarderCode.decode(text)
    }

    static func fingerprint(hex: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { throw BenchError("not hex: \(hex)") }
            bytes.append(byte)
            index = next
        }
        guard bytes.count == DirectoryEntry.keyedFingerprintLength else { throw BenchError("a keyed fingerprint is 16 bytes") }
        return bytes
    }
}

/// A UDP socket bound to a port, optionally connected, with a large receive buffer.
func udpSocket(bindPort: UInt16, connectTo host: String? = nil, port: UInt16 = 0) throws -> Int32 {
    let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket failed: \(errno)") }
    var size: Int32 = 8 << 20
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
    var local = Socket.address(host: "0.0.0.0", port: bindPort)
    let bound = withUnsafePointer(to: &local) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw BenchError("bind to UDP port \(bindPort) failed: \(errno)") }
    if let host {
        var remote = Socket.address(host: host, port: port)
        let connected = withUnsafePointer(to: &remote) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("connect to \(host):\(port) failed: \(errno)") }
    }
    return fd
}
