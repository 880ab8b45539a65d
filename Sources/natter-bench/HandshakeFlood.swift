import ArgumentParser
import CNatterBench
import Foundation
import NatterCore
import NatterWire

/// A natter member's keys, read from its data directory (the bench runs as
/// root beside the daemons it set up): the raw 32-byte team key and identity.
enum MemberKeys {
    static func team(dataDir: String) throws -> TeamKey {
        try TeamKey(bytes: read(dataDir + "/team.key"))
    }

    static func identity(dataDir: String) throws -> DeviceIdentity {
        try DeviceIdentity(rawRepresentation: read(dataDir + "/identity.key"))
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
        return [UInt8](data)
    }

    static func unixMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

/// A colleague's time to link with a responder (Docs/protocol.md §4): TCP
/// connect, the three handshake messages, and the responder's hello frame —
/// with natter's own ``SecureSession`` and the colleague's real keys, one
/// link after another, each closed before the next. Paced so the responder's
/// per-source limit (20 connections per 10 s) never refuses it.
struct HandshakeLink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake-link", abstract: "Time a colleague's links to a responder: connect, handshake, hello (bounded count).")
    @Option var host: String
    @Option var port: UInt16
    @Option(help: "The colleague's data directory (team.key, identity.key).") var dataDir: String
    @Option(help: "The responder's data directory: its fingerprint binds the first message.") var responderDataDir: String
    @Option var count = 12
    @Option(help: "Pause between links, ms.") var intervalMs = 700
    @Option(help: "A link not up after this long counts as failed, ms.") var timeoutMs = 5_000
    @Option var label = "quiet"

    func run() throws {
        let team = try MemberKeys.team(dataDir: dataDir)
        let identity = try MemberKeys.identity(dataDir: dataDir)
        let responder = try MemberKeys.identity(dataDir: responderDataDir).fingerprint
        var samples = Samples()
        var failed = 0
        for index in 0..<count {
            if index > 0 { Thread.sleep(forTimeInterval: Double(intervalMs) / 1000) }
            let start = ContinuousClock.now
            if (try? link(team: team, identity: identity, responder: responder)) != nil {
                samples.add(ContinuousClock.now - start)
            } else {
                failed += 1
            }
        }
        let summary = samples.summary("handshake-link")
        print(summary.replacingOccurrences(of: "{\"scenario\":\"handshake-link\"", with: "{\"scenario\":\"handshake-link\",\"label\":\"\(label)\",\"failed\":\(failed)"))
    }

    private func link(team: TeamKey, identity: DeviceIdentity, responder: DeviceFingerprint) throws {
        let socket = try Socket(type: SOCK_STREAM)
        socket.setReceiveTimeout(milliseconds: timeoutMs)
        try socket.connect(host: host, port: port)
        var session = SecureSession(initiator: true, identity: identity, team: team, responder: responder)
        try send(session.start(nowMilliseconds: MemberKeys.unixMilliseconds()), on: socket)
        var helloSent = false
        while true {
            let message = try receive(on: socket)
            for output in try session.receive(message) {
                switch output {
                case .send(let bytes): try send(bytes, on: socket)
                case .established:
                    try send(session.seal(.hello(sequence: 0, name: "Colleague", udpPort: 0, datagramIndex: 1)), on: socket)
                    helloSent = true
                case .frame(.hello) where helloSent: return
                default: break
                }
            }
        }
    }

    private func send(_ message: [UInt8], on socket: Socket) throws {
        let bytes = [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
        guard write(socket.descriptor, bytes, bytes.count) == bytes.count else { throw BenchError("write failed") }
    }

    private func receive(on socket: Socket) throws -> [UInt8] {
        let prefix = try exactly(2, on: socket)
        return try exactly(Int(prefix[0]) << 8 | Int(prefix[1]), on: socket)
    }

    private func exactly(_ count: Int, on socket: Socket) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let n = bytes.withUnsafeMutableBytes { read(socket.descriptor, $0.baseAddress! + received, count - received) }
            guard n > 0 else { throw BenchError("closed or timed out") }
            received += n
        }
        return bytes
    }
}

/// A handshake flood against one responder, bounded in connections and time:
/// as many TCP connections per second as this process can open, from many
/// source addresses (the lab host's aliases), each carrying a first message
/// and closed. Kinds: `stranger` (a well-formed message 1 under another team's
/// key: fails the tag), `replay` (one message 1 bound to the responder, made
/// once with the team key before the flood — a captured one, sent again and
/// again), `silent` (connects and sends nothing, holding the connection until
/// the responder closes it or 5 s pass).
struct HandshakeFlood: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake-flood", abstract: "Flood a responder with handshake attempts (bounded in count and time).")
    enum Kind: String, ExpressibleByArgument { case stranger, replay, silent }
    @Option var host: String
    @Option var port: UInt16
    @Option(help: "Source addresses, comma-separated (this host's own).") var sources: String
    @Option var kind: Kind = .stranger
    @Option(help: "For replay: a member's data directory (the capture is made with its keys).") var dataDir: String?
    @Option(help: "For replay: the responder's data directory (the capture is bound to it).") var responderDataDir: String?
    @Option var seconds = 10.0
    @Option var maximumConnections = 2_000_000
    @Option(help: "Connections open at once.") var concurrency = 256

    func run() throws {
        let addresses = sources.split(separator: ",").map(String.init)
        guard !addresses.isEmpty else { throw BenchError("no source addresses") }
        let message = try firstMessage()
        let framed = [UInt8(message.count >> 8), UInt8(message.count & 0xff)] + message
        let epoll = bench_epoll_create()
        guard epoll >= 0 else { throw BenchError("epoll_create1 failed: \(errno)") }
        defer { close(epoll) }
        var slots = [(fd: Int32, opened: ContinuousClock.Instant, writing: Bool)?](repeating: nil, count: concurrency)
        var free = Array(0..<concurrency)
        var readyIndexes = [UInt32](repeating: 0, count: 256), readyFlags = [UInt32](repeating: 0, count: 256)
        var attempted = 0, connected = 0, failedConnects = 0, closedByResponder = 0, heldToTimeout = 0
        var chunk = [UInt8](repeating: 0, count: 4096)
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int(seconds * 1000))
        func finish(_ slot: Int) {
            guard let entry = slots[slot] else { return }
            close(entry.fd)
            slots[slot] = nil
            free.append(slot)
        }
        while ContinuousClock.now < deadline {
            while attempted < maximumConnections, let slot = free.popLast() {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                guard fd >= 0 else { throw BenchError("socket failed: \(errno)") }
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                // IP_BIND_ADDRESS_NO_PORT (24): the port is picked at connect, by
                // the whole 4-tuple, instead of by a slow search at bind that
                // tens of thousands of TIME_WAIT sockets make slower still.
                setsockopt(fd, Int32(IPPROTO_IP), 24, &one, socklen_t(MemoryLayout<Int32>.size))
                var local = Socket.address(host: addresses[attempted % addresses.count], port: 0)
                _ = withUnsafePointer(to: &local) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                var remote = Socket.address(host: host, port: port)
                let result = withUnsafePointer(to: &remote) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                attempted += 1
                guard result == 0 || errno == EINPROGRESS else {
                    failedConnects += 1
                    close(fd)
                    free.append(slot)
                    continue
                }
                slots[slot] = (fd, ContinuousClock.now, true)
                _ = bench_epoll_set(epoll, fd, UInt32(slot), 1, 1)
            }
            let ready = bench_epoll_wait(epoll, &readyIndexes, &readyFlags, 256, 10)
            for k in 0..<Int(max(ready, 0)) {
                let slot = Int(readyIndexes[k])
                guard let entry = slots[slot] else { continue }
                if entry.writing {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    guard error == 0 else {
                        failedConnects += 1
                        finish(slot)
                        continue
                    }
                    connected += 1
                    if kind == .silent {
                        slots[slot]?.writing = false
                        _ = bench_epoll_set(epoll, entry.fd, UInt32(slot), 0, 0)
                    } else {
                        _ = write(entry.fd, framed, framed.count)
                        finish(slot)  // the responder reads it (or refused the connection already)
                    }
                } else {
                    let n = read(entry.fd, &chunk, chunk.count)
                    if n <= 0 {
                        closedByResponder += 1
                        finish(slot)
                    }
                }
            }
            let now = ContinuousClock.now
            for slot in slots.indices {
                if let entry = slots[slot], !entry.writing, now - entry.opened > .seconds(5) {
                    heldToTimeout += 1
                    finish(slot)
                }
            }
        }
        for slot in slots.indices { finish(slot) }
        let elapsed = ContinuousClock.now - started
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "{\"scenario\":\"handshake-flood\",\"kind\":\"\(kind.rawValue)\",\"sources\":\(addresses.count),\"attempted\":\(attempted),"
                + "\"connected\":\(connected),\"failed_connects\":\(failedConnects),\"closed_by_responder\":\(closedByResponder),"
                + "\"held_to_timeout\":\(heldToTimeout),\"seconds\":\(String(format: "%.2f", elapsedSeconds)),"
                + "\"connections_per_second\":\(String(format: "%.0f", Double(connected) / elapsedSeconds))}")
    }

    private func firstMessage() throws -> [UInt8] {
        switch kind {
        case .silent:
            return []
        case .stranger:
            var stranger = SecureSession(initiator: true, identity: DeviceIdentity(), team: TeamKey())
            return try stranger.start(nowMilliseconds: MemberKeys.unixMilliseconds())
        case .replay:
            guard let dataDir, let responderDataDir else { throw BenchError("replay needs --data-dir and --responder-data-dir") }
            let responder = try MemberKeys.identity(dataDir: responderDataDir).fingerprint
            var member = SecureSession(
                initiator: true, identity: try MemberKeys.identity(dataDir: dataDir), team: try MemberKeys.team(dataDir: dataDir),
                responder: responder)
            return try member.start(nowMilliseconds: MemberKeys.unixMilliseconds())
        }
    }
}
