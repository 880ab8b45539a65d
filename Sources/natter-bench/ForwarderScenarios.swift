import ArgumentParser
import CNatterBench
import Foundation
import NatterWire

/// A state datagram is 45 bytes (Docs/protocol.md §6); relayed, it gains the 6-byte prefix.
let stateDatagramBytes = 45

/// Relayed state datagrams per second with loss under 0.1 %: two members in
/// this process (A sends, B counts), the relay under test elsewhere. With
/// `--code-file` the relay is natter-forwarder (registration, relay request,
/// joins, keepalives as a member does them); without, it is the C baseline
/// (bench/udp-relay.c), told the routes on its command line, and `--index` is A's.
struct ForwarderRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarder-rate", abstract: "The highest sustained relayed-datagram rate with loss < 0.1 % (stepped, bounded in time).")
    @Option(help: "The relay's address.") var relay: String
    @Option var port: UInt16 = 7310
    @Option(help: "The forwarder code; without it the relay is the raw baseline.") var codeFile: String?
    @Option(help: "A's relay index for the raw baseline.") var index: UInt32 = 1
    @Option var aPort: UInt16 = 41000
    @Option var bPort: UInt16 = 41001
    @Option(help: "What the JSON line calls the relay.") var label: String
    @Option var stepSeconds = 2.0
    @Option(help: "The whole search stops within this many seconds.") var budgetSeconds = 60.0
    @Option var startRate = 20_000.0
    @Option var maximumRate = 2_000_000.0

    func run() throws {
        var relayIndex = index
        var keep: [ForwarderMember] = []
        var legs: [Int32] = []
        if let codeFile {
            let key = try ForwarderMember.key(codeFile: codeFile)
            let a = try ForwarderMember(host: relay, port: port, key: key, keyedFingerprint: ForwarderMember.random(16), udpPort: aPort)
            let b = try ForwarderMember(host: relay, port: port, key: key, keyedFingerprint: ForwarderMember.random(16), udpPort: bPort)
            let invitation = try a.requestRelay(to: b.keyedFingerprint)
            let other = try b.awaitInvitation(timeout: .seconds(10))
            legs = [
                try ForwarderMember.join(host: relay, port: port, token: invitation.token),
                try ForwarderMember.join(host: relay, port: port, token: other.token),
            ]
            for leg in legs { try ForwarderMember.awaitJoined(leg) }
            relayIndex = invitation.datagramIndex
            for member in [a, b] { member.keepAlive(until: .now + .seconds(budgetSeconds + 30)) }
            keep = [a, b]
        }
        defer { for leg in legs { close(leg) } }
        _ = keep
        let sender = try udpSocket(bindPort: aPort, connectTo: relay, port: port)
        let receiver = try udpSocket(bindPort: bPort)
        defer {
            close(sender)
            close(receiver)
        }
        let prefix = RelayDatagram.wrap([], relayIndex: relayIndex)

        struct Step {
            var rate: Double, achieved: Double, loss: Double
            var ok: Bool { loss < 0.001 && achieved >= rate * 0.97 }
            var json: String { String(format: "[%.0f,%.0f,%.5f]", rate, achieved, loss) }
        }
        var stepNumber: UInt32 = 0
        func measure(_ rate: Double) throws -> Step {
            stepNumber += 1
            var result = bench_step_result()
            let status = prefix.withUnsafeBufferPointer { header in
                bench_blast_step(
                    sender, receiver, header.baseAddress, Int32(header.count), Int32(stateDatagramBytes), stepNumber, rate, stepSeconds, 300,
                    &result)
            }
            guard status == 0, result.sent > 0 else { throw BenchError("the generator failed: \(status)") }
            return Step(
                rate: rate, achieved: Double(result.sent) / result.send_seconds, loss: 1 - Double(result.received) / Double(result.sent))
        }

        let deadline = ContinuousClock.now + .seconds(budgetSeconds)
        let stepCost = Duration.seconds(stepSeconds * 1.5 + 0.5)
        var steps: [Step] = []
        var best: Step?
        var failing: Step?
        // Up by half each step until one fails, then halve the gap (each step ≤ stepSeconds × 2 + 1 s).
        var rate = startRate
        while rate <= maximumRate, ContinuousClock.now + stepCost < deadline {
            let step = try measure(rate)
            steps.append(step)
            if step.ok {
                best = step
                rate *= 1.5
            } else {
                failing = step
                break
            }
        }
        if var low = best?.rate, var high = failing?.rate {
            while high / low > 1.04, ContinuousClock.now + stepCost < deadline {
                let step = try measure((low + high) / 2)
                steps.append(step)
                if step.ok {
                    if step.achieved > best!.achieved { best = step }
                    low = step.rate
                } else {
                    failing = step
                    high = step.rate
                }
            }
        }
        let generatorLimited = failing.map { $0.loss < 0.001 } ?? false
        print(
            "{\"scenario\":\"relay-rate\",\"relay\":\"\(label)\",\"max_per_s\":\(Int(best?.achieved ?? 0)),"
                + "\"loss_at_max\":\(String(format: "%.5f", best?.loss ?? 1)),\"first_failing\":\(failing?.json ?? "null"),"
                + "\"generator_limited\":\(generatorLimited),\"inner_bytes\":\(stateDatagramBytes),\"step_s\":\(stepSeconds),"
                + "\"steps\":[\(steps.map(\.json).joined(separator: ","))]}")
    }
}

/// Member B of the latency measurement: echoes what the relay brings back
/// through the relay (wrapped with its own index), and what comes straight
/// from A straight back. Bounded in time.
struct ForwarderEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarder-echo", abstract: "Member B: echo datagrams through the relay, or directly to a direct sender.")
    @Option var relay: String
    @Option var port: UInt16 = 7310
    @Option(help: "The forwarder code; without it the relay is the raw baseline and --index is B's.") var codeFile: String?
    @Option var index: UInt32 = 2
    @Option(help: "B's keyed fingerprint (32 hex digits).") var fingerprint: String
    @Option var udpPort: UInt16 = 42000
    @Option var seconds = 300

    func run() throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var relayIndex = index
        var member: ForwarderMember?
        var leg: Int32 = -1
        let fd = try udpSocket(bindPort: udpPort)
        if let codeFile {
            let b = try ForwarderMember(
                host: relay, port: port, key: try ForwarderMember.key(codeFile: codeFile),
                keyedFingerprint: try ForwarderMember.fingerprint(hex: fingerprint), udpPort: udpPort)
            let invitation = try b.awaitInvitation(timeout: .seconds(seconds))
            leg = try ForwarderMember.join(host: relay, port: port, token: invitation.token)
            try ForwarderMember.awaitJoined(leg)
            relayIndex = invitation.datagramIndex
            b.keepAlive(until: deadline)
            member = b
        }
        defer { if leg >= 0 { close(leg) } }
        _ = member
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let relayAddress = Socket.address(host: relay, port: port)
        var buffer = [UInt8](repeating: 0, count: 2048)
        var out = RelayDatagram.wrap([UInt8](repeating: 0, count: stateDatagramBytes), relayIndex: relayIndex)
        var peer = sockaddr_in()
        while ContinuousClock.now < deadline {
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
            }
            guard count > 0 else { continue }
            if peer.sin_addr.s_addr == relayAddress.sin_addr.s_addr, peer.sin_port == relayAddress.sin_port {
                // Through the relay: back through it, as a member's reply state datagram would go.
                let inner = min(count, out.count - RelayDatagram.headerLength)
                for offset in 0..<inner { out[RelayDatagram.headerLength + offset] = buffer[offset] }
                _ = withUnsafePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, out, RelayDatagram.headerLength + inner, 0, $0, length)
                    }
                }
            } else {
                _ = withUnsafePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buffer, count, 0, $0, length) }
                }
            }
        }
    }
}

/// Member A of the latency measurement: a state-datagram-sized ping-pong with
/// B, directly or through the relay; reports half of each round trip.
struct ForwarderPing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarder-ping", abstract: "Member A: round trips with B, directly or through a relay (one-way = half).")
    @Option var relay: String
    @Option var port: UInt16 = 7310
    @Option(help: "The forwarder code; without it the relay is the raw baseline and --index is A's.") var codeFile: String?
    @Option var index: UInt32 = 1
    @Option(help: "A's keyed fingerprint (32 hex digits).") var fingerprint: String
    @Option(help: "B's keyed fingerprint.") var peer: String
    @Option var udpPort: UInt16 = 42000
    @Option(help: "B's address, for the direct path.") var peerAddress: String
    @Option var peerPort: UInt16 = 42000
    @Flag(help: "Straight to B, no relay.") var direct = false
    @Option var label: String
    @Option var count = 2000

    func run() throws {
        var member: ForwarderMember?
        var leg: Int32 = -1
        var payload = [UInt8](repeating: 0x42, count: stateDatagramBytes)
        let fd: Int32
        if direct {
            fd = try udpSocket(bindPort: udpPort, connectTo: peerAddress, port: peerPort)
        } else {
            var relayIndex = index
            if let codeFile {
                let a = try ForwarderMember(
                    host: relay, port: port, key: try ForwarderMember.key(codeFile: codeFile),
                    keyedFingerprint: try ForwarderMember.fingerprint(hex: fingerprint), udpPort: udpPort)
                let invitation = try a.requestRelay(to: try ForwarderMember.fingerprint(hex: peer))
                leg = try ForwarderMember.join(host: relay, port: port, token: invitation.token)
                try ForwarderMember.awaitJoined(leg)
                relayIndex = invitation.datagramIndex
                a.keepAlive(until: .now + .seconds(120))
                member = a
            }
            payload = RelayDatagram.wrap(payload, relayIndex: relayIndex)
            fd = try udpSocket(bindPort: udpPort, connectTo: relay, port: port)
        }
        defer {
            close(fd)
            if leg >= 0 { close(leg) }
        }
        _ = member
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var samples = Samples()
        var buffer = [UInt8](repeating: 0, count: 256)
        var lost = 0
        let deadline = ContinuousClock.now + .seconds(60)
        for sequence in 0..<(count + count / 10) {  // the first tenth warms up and is not counted
            guard ContinuousClock.now < deadline else { throw BenchError("\(label): not done within 60 s") }
            let start = ContinuousClock.now
            guard send(fd, payload, payload.count, 0) == payload.count else { throw BenchError("send failed: \(errno)") }
            guard recv(fd, &buffer, buffer.count, 0) == stateDatagramBytes else {
                lost += 1
                continue
            }
            if sequence >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        guard lost < count / 10 else { throw BenchError("\(label): \(lost) of \(count) round trips lost") }
        let summary = samples.summary("relay-latency", factor: 0.5)
        print(summary.replacingOccurrences(of: "{\"scenario\":\"relay-latency\",", with: "{\"scenario\":\"relay-latency\",\"path\":\"\(label)\",\"lost\":\(lost),"))
    }
}

/// A process's memory from /proc (KiB), for the forwarder's cost per registered member.
struct ProcessMemory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "process-memory", abstract: "RSS and private dirty memory of a process, in KiB.")
    @Option var pid: Int32
    @Option var label: String

    func run() throws {
        let rollup = try String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)
        func kibibytes(_ key: String) -> Int {
            Int(rollup.split(separator: "\n").first { $0.hasPrefix(key + ":") }?.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0") ?? 0
        }
        print("{\"scenario\":\"process-memory\",\"label\":\"\(label)\",\"rss_kib\":\(kibibytes("Rss")),\"private_dirty_kib\":\(kibibytes("Private_Dirty"))}")
    }
}

/// A fresh team's forwarder code (the `fwd` subkey only), so a forwarder-only
/// bench needs no natter build: what `natter team forwarder-code` prints.
struct ForwarderCodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forwarder-code", abstract: "Print a new team's forwarder code.")

    func run() {
        print(ForwarderCode.encode(TeamKey().subkeys.forwarder))
    }
}
