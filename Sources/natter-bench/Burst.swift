import ArgumentParser
import Foundation
import NatterAPI

/// For the crash test (`ReliabilityTests`) and the catch-up measurement:
/// posts numbered messages one after another on A's API as fast as it
/// answers, and writes the text of every delivery receipt A's event stream
/// shows to a file, one per line, as it arrives, so a test can read what
/// the sender had seen receipted at any moment.
struct Burst: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Posts PREFIX1…PREFIXn to a colleague in order; appends each receipted text to a file as it arrives.")
    @Option(help: "A's API socket.") var socket: String
    @Option var peer: String
    @Option var count = 10_000
    @Option var prefix = "m"
    @Option(help: "Where the receipted texts go, one a line.") var receipts: String
    @Option(help: "Gives up (and exits 1) after this many seconds.") var timeout = 300

    func run() throws {
        guard FileManager.default.createFile(atPath: receipts, contents: nil), let file = FileHandle(forWritingAtPath: receipts) else {
            throw BenchError("cannot write \(receipts)")
        }
        let client = LocalAPIClient(socketPath: socket)
        let watcher = Thread {
            try? client.streamEvents { event in
                if case .delivery(let message) = event, message.text.hasPrefix(prefix) {
                    file.write(Data((message.text + "\n").utf8))
                }
                return true
            }
        }
        watcher.start()
        Thread.sleep(forTimeInterval: 0.2)  // the stream is open before the first message
        let deadline = ContinuousClock.now + .seconds(timeout)
        for index in 1...count {
            guard ContinuousClock.now < deadline else { throw BenchError("posted only \(index - 1) of \(count) within \(timeout) s") }
            _ = try client.send(to: peer, text: "\(prefix)\(index)")
        }
        print("{\"scenario\":\"burst\",\"posted\":\(count)}")
        // Receipts keep coming after the last post; the caller stops this process.
        while ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.5) }
    }
}

/// Catch-up: COUNT messages wait in A's outbox for B, who is offline; then
/// B's daemon starts (the command) and the time is taken until every one
/// has its receipt on A's stream (stored on B's disk, recorded on A's). The
/// receipts' order is B's commit order, so it shows whether B stored them
/// in the order A sent them.
struct CatchUp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catch-up", abstract: "Queues messages for an offline colleague, starts them, times until all are receipted.")
    @Option(help: "A's API socket.") var from: String
    @Option(help: "B's name as A knows it (B is offline).") var peer: String
    @Option var count = 10_000
    @Argument(parsing: .captureForPassthrough) var command: [String]

    func run() throws {
        let alice = LocalAPIClient(socketPath: from)
        let events = EventTap(socket: from)
        Thread.sleep(forTimeInterval: 0.2)
        var ids: [String] = []
        for index in 1...count { ids.append(try alice.send(to: peer, text: "catch-up \(index)").id) }
        let mark = events.mark
        let (start, online) = try events.run(command, untilOnline: peer)
        // Receipts come in order (B stores and acknowledges in arrival order, A records them in
        // that order), so the last message's receipt is the last of all. The stream may skip older
        // events in a burst (the daemon drops a slow subscriber's oldest), never the newest.
        guard let last = events.first(after: mark, timeout: .seconds(60), where: { $0.isDelivery(of: ids.last!) }) else {
            throw BenchError("the last queued message was not receipted within 60 s")
        }
        let seen = events.receipts(after: mark).map(\.id)
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let order = seen.compactMap { position[$0] }
        let inOrder = zip(order, order.dropFirst()).allSatisfy { $0 < $1 }
        func seconds(_ duration: Duration) -> String {
            String(format: "%.3f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
        print(
            "{\"scenario\":\"catch-up\",\"count\":\(count),\"seconds_from_start\":\(seconds(last.at - start)),"
                + "\"seconds_from_online\":\(seconds(last.at - online.at)),\"receipts_seen\":\(order.count),\"in_order\":\(inOrder)}")
    }
}

extension EventTap {
    /// The delivery receipts recorded after `mark`, in arrival order.
    func receipts(after mark: Int) -> [(id: String, at: ContinuousClock.Instant)] {
        var found: [(id: String, at: ContinuousClock.Instant)] = []
        _ = count(after: mark) { tapped in
            if case .delivery(let message) = tapped.event { found.append((message.id, tapped.at)) }
            return false
        }
        return found
    }
}
