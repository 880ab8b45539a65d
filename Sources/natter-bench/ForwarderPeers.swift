import ArgumentParser
import CNatterBench
import Foundation
import NatterWire

/// Many idle members registered with one forwarder: each its own control
/// connection (handshake, `register` with a 73-byte sealed record — a
/// 12-byte name's TXT box — then silence: the kernel's TCP keepalives
/// answer the forwarder's probes, as for a current natter member,
/// Docs/protocol.md §9.3), all from this one process and one thread (epoll). Prints one JSON line when every member has
/// its `registered` answer and the whole directory (every `peer` message a
/// registration causes) has arrived, then holds them for `--hold-seconds`.
struct ForwarderPeers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forwarder-peers", abstract: "Register N idle members with a forwarder and hold them, silent (bounded in time).")
    @Option var forwarder: String
    @Option var port: UInt16 = 7310
    @Option var codeFile: String
    @Option var count = 10_000
    @Option(help: "Connections in their handshake at once.") var inFlight = 100
    @Option(help: "Keep the members registered this long after the directory is complete.") var holdSeconds = 60
    @Option(help: "Give up if the directory is not complete by then.") var timeout = 1200

    struct Member {
        var fd: Int32
        var stage = 0  // 0 connecting, 1 hello sent, 2 register sent, 3 registered
        var handshake: ForwarderClientHandshake?
        var channel: ForwarderChannel?
        var buffer: [UInt8] = []
        // Framing after registration (messages are counted by length, not opened).
        var header: [UInt8] = []
        var remaining = 0
    }

    func run() throws {
        var limit = rlimit(rlim_cur: rlim_t(count + 1024), rlim_max: rlim_t(count + 1024))
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw BenchError("cannot raise the open-file limit: \(errno)") }
        let key = try ForwarderMember.key(codeFile: codeFile)
        let sealed = ForwarderMember.random(73)
        let started = ContinuousClock.now
        let deadline = started + .seconds(timeout)
        var members: [Member] = []
        var open: [Bool] = []
        members.reserveCapacity(count)
        let epoll = bench_epoll_create()
        guard epoll >= 0 else { throw BenchError("epoll_create1 failed: \(errno)") }
        defer { close(epoll) }
        var readyIndexes = [UInt32](repeating: 0, count: 256)
        var readyFlags = [UInt32](repeating: 0, count: 256)
        var handshaking = 0, registered = 0, closed = 0
        var directoryEntries = 0
        var directoryBatches = 0
        var bytes = 0
        var peerBodyLength = -1
        /// One `peer` change in a `directory` batch (every simulated entry has the same length).
        var changeLength = 0
        let sealing = 2 + 16  // a sealed message's header and tag around its plaintext
        let batchOverhead = sealing + ForwarderMessageCodec.batchHeaderBytes
        var registeredAfter: Duration?
        var completeAfter: Duration?
        var holdUntil: ContinuousClock.Instant?
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let expectedDirectoryEntries = count * (count - 1)

        func write(_ fd: Int32, _ body: [UInt8]) -> Bool {
            let frame = [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
            return frame.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == frame.count
        }

        func countFrames(_ member: inout Member, _ data: ArraySlice<UInt8>) {
            var index = data.startIndex
            while index < data.endIndex {
                if member.remaining > 0 {
                    let take = min(member.remaining, data.endIndex - index)
                    member.remaining -= take
                    index += take
                    continue
                }
                member.header.append(data[index])
                index += 1
                if member.header.count == 2 {
                    member.remaining = Int(member.header[0]) << 8 | Int(member.header[1])
                    if member.remaining == peerBodyLength {
                        directoryEntries += 1
                    } else if member.remaining > batchOverhead, (member.remaining - batchOverhead) % changeLength == 0 {
                        // A batch: its changes counted by length, as single messages are.
                        directoryEntries += (member.remaining - batchOverhead) / changeLength
                        directoryBatches += 1
                    }
                    member.header = []
                }
            }
        }
        while true {
            let now = ContinuousClock.now
            if let holdUntil, now >= holdUntil { break }
            guard now < deadline else {
                var stages = [0, 0, 0, 0]
                for i in members.indices where open[i] { stages[members[i].stage] += 1 }
                throw BenchError(
                    "after \(timeout) s: \(registered) of \(count) registered, \(directoryEntries) of \(expectedDirectoryEntries) directory entries, "
                        + "\(closed) closed; open connections by stage (connecting, hello sent, register sent, registered): \(stages)")
            }
            while members.count < count, handshaking < inFlight {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                guard fd >= 0 else { throw BenchError("socket failed: \(errno)") }
                var address = Socket.address(host: forwarder, port: port)
                let result = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard result == 0 || errno == EINPROGRESS else { throw BenchError("connect failed: \(errno)") }
                guard bench_epoll_set(epoll, fd, UInt32(members.count), 1, 1) == 0 else { throw BenchError("epoll_ctl failed: \(errno)") }
                members.append(Member(fd: fd))
                open.append(true)
                handshaking += 1
            }
            let ready = bench_epoll_wait(epoll, &readyIndexes, &readyFlags, 256, 20)
            if ready > 0 {
                for k in 0..<Int(ready) {
                    let i = Int(readyIndexes[k]), events = readyFlags[k]
                    guard open[i] else { continue }
                    if members[i].stage == 0, events & 2 != 0 {
                        let handshake = ForwarderClientHandshake(key: key, nowMilliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
                        guard write(members[i].fd, handshake.hello) else {
                            closed += 1
                            close(members[i].fd)
                            open[i] = false
                            handshaking -= 1
                            continue
                        }
                        members[i].handshake = handshake
                        members[i].stage = 1
                        _ = bench_epoll_set(epoll, members[i].fd, UInt32(i), 0, 0)
                        continue
                    }
                    guard events & 1 != 0 else { continue }
                    let n = read(members[i].fd, &chunk, chunk.count)
                    guard n > 0 else {
                        if n == 0 || (errno != EAGAIN && errno != EINTR) {
                            closed += 1
                            if members[i].stage < 3 { handshaking -= 1 }
                            close(members[i].fd)
                            open[i] = false
                        }
                        continue
                    }
                    bytes += n
                    var start = 0
                    if members[i].stage < 3 {
                        members[i].buffer += chunk[0..<n]
                        start = n
                        while members[i].stage < 3, members[i].buffer.count >= 2 {
                            let length = Int(members[i].buffer[0]) << 8 | Int(members[i].buffer[1])
                            guard members[i].buffer.count >= 2 + length else { break }
                            let frame = Array(members[i].buffer[2..<(2 + length)])
                            members[i].buffer.removeFirst(2 + length)
                            if members[i].stage == 1 {
                                var channel = try members[i].handshake!.complete(welcome: frame)
                                let entry = DirectoryEntry(
                                    keyedFingerprint: ForwarderMember.random(16), addresses: [], tcpPort: 1, udpPort: 1, sealedRecord: sealed)
                                guard write(members[i].fd, channel.seal(.registerWithFeatures(entry, [.directoryBatches]))) else {
                                    throw BenchError("register not sent")
                                }
                                members[i].channel = channel
                                members[i].handshake = nil
                                members[i].stage = 2
                            } else {
                                let answer = try members[i].channel!.open(frame)
                                // A forwarder that took more than its keepalive interval to get to the register keepalives first.
                                if answer == .keepalive { continue }
                                guard case .registered(let observed, _) = answer else {
                                    throw BenchError("member \(i): expected registered, got \(answer)")
                                }
                                if peerBodyLength < 0 {
                                    let entry = DirectoryEntry(
                                        keyedFingerprint: [UInt8](repeating: 0, count: 16), addresses: [observed], tcpPort: 1, udpPort: 1,
                                        sealedRecord: sealed)
                                    changeLength = ForwarderMessageCodec.encode(.peer(entry)).count
                                    peerBodyLength = sealing + changeLength
                                }
                                members[i].stage = 3
                                handshaking -= 1
                                registered += 1
                                if registered == count { registeredAfter = ContinuousClock.now - started }
                                // What followed the answer is counted as framing.
                                let rest = members[i].buffer
                                members[i].buffer = []
                                countFrames(&members[i], rest[...])
                            }
                        }
                    }
                    if start < n { countFrames(&members[i], chunk[start..<n]) }
                }
            }
            if completeAfter == nil, registered == count, directoryEntries >= expectedDirectoryEntries {
                completeAfter = ContinuousClock.now - started
                holdUntil = ContinuousClock.now + .seconds(holdSeconds)
                print(
                    "{\"scenario\":\"forwarder-registration\",\"peers\":\(count),\"registered_s\":\(Self.seconds(registeredAfter!)),"
                        + "\"directory_complete_s\":\(Self.seconds(completeAfter!)),\"directory_entries\":\(directoryEntries),"
                        + "\"directory_batches\":\(directoryBatches),"
                        + "\"bytes_received\":\(bytes),\"closed\":\(closed)}")
                fflush(nil)  // all streams: the script waits for this line
            }
        }
        for i in members.indices where open[i] { close(members[i].fd) }
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) + Double(attoseconds) / 1e18)
    }
}
