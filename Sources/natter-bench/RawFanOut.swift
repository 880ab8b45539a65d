import ArgumentParser
import Foundation

/// The raw floor under issue 18's group figure: what a group message asks of
/// the lab at the least, without natter. One host writes a small request to
/// each member over its own TCP connection, one after the other as natter's
/// fan-out does; each member writes a commit's worth of bytes into its own
/// file, `fdatasync`s it and answers; a sample is the time until the last
/// answer is back. Same lab, disk and CPUs as natter's group messages, in
/// the same run: natter's figure is read against it.
struct FanOutMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout-member", abstract: "A raw group member: each request written to a file, synced, then answered (one connection, bounded in time).")
    @Argument var port: UInt16
    @Option(help: "The member's file (made, used and removed).") var file: String
    @Option(help: "Bytes written before each sync: about one commit of a group message.") var bytes = 12_288
    @Option(help: "Exit after this many seconds.") var seconds = 600

    func run() throws {
        let store = try SyncFile(path: file, bytes: bytes)
        defer { store.remove() }
        let listener = try Socket(type: SOCK_STREAM)
        try listener.bind(port: port)
        guard listen(listener.descriptor, 1) == 0 else { throw BenchError("listen failed: errno \(errno)") }
        listener.setReceiveTimeout(milliseconds: 500)
        let deadline = ContinuousClock.now + .seconds(seconds)
        var connection: Int32 = -1
        while connection < 0 && ContinuousClock.now < deadline { connection = accept(listener.descriptor, nil, nil) }
        guard connection >= 0 else { return }
        defer { close(connection) }
        setNoDelay(connection)
        let answer = [UInt8](repeating: 0x41, count: FanOutSend.answerBytes)
        var request = [UInt8](repeating: 0, count: FanOutSend.requestBytes)
        var round = 0
        while ContinuousClock.now < deadline, readFully(connection, &request) {
            try store.writeAndSync(slot: round % DiskSync.slots)
            guard write(connection, answer, answer.count) == answer.count else { return }
            round += 1
        }
    }
}

struct FanOutSend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout-send", abstract: "The raw group sender: a request to every fanout-member, timed until the last answer.")
    /// About a short group message's frame, and an ack's.
    static let requestBytes = 160
    static let answerBytes = 64

    @Option(help: "The members' addresses, comma-separated.") var hosts: String
    @Argument var port: UInt16
    @Option var count = 200

    func run() throws {
        let addresses = hosts.split(separator: ",").map(String.init)
        guard !addresses.isEmpty else { throw BenchError("no members") }
        let members = try addresses.map(connectWithRetry(host:))
        let request = [UInt8](repeating: 0x42, count: Self.requestBytes)
        var answer = [UInt8](repeating: 0, count: Self.answerBytes)
        var samples = Samples()
        for index in 0..<(count + count / 10) {  // the first tenth warms up and is not counted
            let start = ContinuousClock.now
            for member in members {
                guard write(member.descriptor, request, request.count) == request.count else { throw BenchError("write failed: errno \(errno)") }
            }
            var waiting = members.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            while !waiting.isEmpty {
                guard poll(&waiting, nfds_t(waiting.count), 10_000) > 0 else { throw BenchError("round \(index): answers missing after 10 s") }
                for entry in waiting where entry.revents != 0 {
                    guard readFully(entry.fd, &answer) else { throw BenchError("a member went away") }
                }
                waiting.removeAll { $0.revents != 0 }
            }
            if index >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        print(samples.summary("group-\(members.count)-raw"))
    }

    /// The members start at about the same time as this: a refused connect
    /// is tried again, on a new socket, for a few seconds.
    private func connectWithRetry(host: String) throws -> Socket {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let socket = try Socket(type: SOCK_STREAM)
                try socket.connect(host: host, port: port)
                setNoDelay(socket.descriptor)
                return socket
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }
}

/// Reads exactly `buffer.count` bytes; false when the peer closed or failed.
private func readFully(_ descriptor: Int32, _ buffer: inout [UInt8]) -> Bool {
    var received = 0
    while received < buffer.count {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + received, $0.count - received) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return false }
        received += count
    }
    return true
}
