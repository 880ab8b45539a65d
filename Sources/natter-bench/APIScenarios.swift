import ArgumentParser
import Foundation
import NatterAPI
import Spawn

/// One daemon's event stream, read on its own thread and kept, so the
/// measuring loop can wait for an event that may already have arrived.
final class EventTap: @unchecked Sendable {
    struct Event {
        let event: APIEvent
        let at: ContinuousClock.Instant
    }

    private let condition = NSCondition()
    private var events: [Event] = []
    private var ended = false

    init(socket: String) {
        let client = LocalAPIClient(socketPath: socket)
        Thread { [self] in
            try? client.streamEvents { event in
                let event = Event(event: event, at: .now)
                self.condition.lock()
                self.events.append(event)
                self.condition.broadcast()
                self.condition.unlock()
                return true
            }
            self.condition.lock()
            self.ended = true
            self.condition.broadcast()
            self.condition.unlock()
        }.start()
    }

    /// Where the next event will be stored: wait from here for what an action causes.
    var mark: Int {
        condition.lock()
        defer { condition.unlock() }
        return events.count
    }

    /// The first event at or after `mark` matching `predicate`, waiting up to `timeout`.
    func first(after mark: Int, timeout: Duration, where predicate: (Event) -> Bool) -> Event? {
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        var index = mark
        while true {
            while index < events.count {
                if predicate(events[index]) { return events[index] }
                index += 1
            }
            if ended || !condition.wait(until: deadline) { return nil }
        }
    }

    func count(after mark: Int, where predicate: (Event) -> Bool) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return events[mark...].filter(predicate).count
    }
}

struct StateLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state-latency", abstract: "A detector signal posted to A's API → the state event on B's event stream.")
    @Option(help: "A's API socket.") var from: String
    @Option(help: "B's API socket.") var to: String
    @Option(help: "B's name as A knows it.") var peer: String
    @Option var count = 2000
    @Option(help: "persistent: every signal on one kept connection, as natter chat and the web page send them; per-request: a new Unix-socket connection for each signal.")
    var connection: SignalConnection = .persistent

    enum SignalConnection: String, ExpressibleByArgument {
        case persistent
        case perRequest = "per-request"

        /// The client each signal goes through. A client's copies share its
        /// kept connection; a new client opens its own and closes it when it
        /// is dropped, right after its one request.
        func sender(_ kept: LocalAPIClient) -> () -> LocalAPIClient {
            self == .persistent ? { kept } : { LocalAPIClient(socketPath: kept.socketPath) }
        }
    }

    func run() throws {
        let alice = LocalAPIClient(socketPath: from)
        let bob = EventTap(socket: to)
        Thread.sleep(forTimeInterval: 0.2)  // the stream is open before the first signal
        let window = try alice.openWindow(with: peer)
        let sender = connection.sender(alice)
        var samples = Samples()
        // A keystroke (typing), then the input cleared, alternately: each signal
        // changes what B shows — to typing, then back to whatever A's other
        // windows say (active, or "closed" left by an earlier run's window).
        for index in 0..<(count + count / 10) {
            let signal: DetectorSignal = index % 2 == 0 ? .keystroke : .inputCleared
            let mark = bob.mark
            let start = ContinuousClock.now
            try sender().signal(signal, window: window.window)
            guard let event = bob.first(after: mark, timeout: .seconds(2), where: { tapped in
                guard case .state(let state) = tapped.event else { return false }
                return (state.state == .typing) == (signal == .keystroke)
            }) else {
                throw BenchError("no state change on B's stream within 2 s after \(signal) (signal \(index))")
            }
            if index >= count / 10 { samples.add(event.at - start) }
        }
        print(samples.summary("state-event-\(connection.rawValue)"))
    }
}

/// The sending half alone: a detector signal posted to A's API → A's answer
/// (the request read, decided, the state handed to the link, the answer
/// written). Beside `state-latency`, it says how much of a state event's time
/// is A's local API.
struct SignalRoundTrip: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal-round-trip", abstract: "A detector signal posted to A's API → A's answer, on one kept connection or a new one each.")
    @Option(help: "A's API socket.") var from: String
    @Option(help: "B's name as A knows it.") var peer: String
    @Option var count = 2000
    @Option var connection: StateLatency.SignalConnection = .persistent

    func run() throws {
        let alice = LocalAPIClient(socketPath: from)
        let window = try alice.openWindow(with: peer)
        let sender = connection.sender(alice)
        var samples = Samples()
        for index in 0..<(count + count / 10) {
            let start = ContinuousClock.now
            try sender().signal(index % 2 == 0 ? .keystroke : .inputCleared, window: window.window)
            if index >= count / 10 { samples.add(ContinuousClock.now - start) }
        }
        print(samples.summary("signal-answer-\(connection.rawValue)"))
    }
}

struct DeliveryLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery-latency", abstract: "A message posted to A's API → its delivery receipt (stored on both sides) on A's stream.")
    @Option(help: "A's API socket.") var from: String
    @Option var peer: String
    @Option var count = 2000
    @Option(help: "Post at this many messages a second without waiting for receipts (open loop); 0: one at a time, each after the previous receipt.")
    var rate = 0

    func run() throws {
        let alice = LocalAPIClient(socketPath: from)
        let events = EventTap(socket: from)
        Thread.sleep(forTimeInterval: 0.2)
        if rate > 0 { return try paced(alice, events) }
        var samples = Samples()
        for index in 0..<(count + count / 10) {
            let mark = events.mark
            let start = ContinuousClock.now
            let sent = try alice.send(to: peer, text: "bench \(index)")
            guard let receipt = events.first(after: mark, timeout: .seconds(5), where: { $0.isDelivery(of: sent.id) }) else {
                throw BenchError("no delivery receipt for message \(index) within 5 s")
            }
            if index >= count / 10 { samples.add(receipt.at - start) }
        }
        print(samples.summary("message-delivery"))
    }

    /// Messages posted on a fixed schedule (`rate` a second, open loop: four
    /// connections take the slots in turn, so a post that waits for its
    /// commit does not hold back the next), each timed from the start of its
    /// post to its receipt: the latency a steady load sees, queueing behind
    /// other messages' commits included.
    private func paced(_ alice: LocalAPIClient, _ events: EventTap) throws {
        let total = count + count / 10
        let mark = events.mark
        let start = ContinuousClock.now
        let slots = PacedSlots(total: total)
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                while let index = slots.next() {
                    let due = start + .seconds(Double(index) / Double(rate))
                    // A sleep, not a spin: the driver shares its CPU with A's daemon.
                    let wait = due - ContinuousClock.now
                    if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18) }
                    let at = ContinuousClock.now
                    guard let sent = try? alice.send(to: peer, text: "paced \(index)") else { return slots.fail() }
                    slots.posted(index, id: sent.id, at: at)
                }
            }.start()
        }
        group.wait()
        let elapsed = ContinuousClock.now - start
        guard let posted = slots.all else { throw BenchError("a paced post failed") }
        var samples = Samples()
        for (index, message) in posted.enumerated() {
            guard let receipt = events.first(after: mark, timeout: .seconds(10), where: { $0.isDelivery(of: message.id) }) else {
                throw BenchError("no delivery receipt for paced message \(index) within 10 s")
            }
            if index >= count / 10 { samples.add(receipt.at - message.at) }
        }
        let achieved = Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print(samples.summary("message-delivery-paced").replacingOccurrences(
            of: "}", with: ",\"rate\":\(rate),\"achieved_rate\":\(String(format: "%.0f", achieved))}"))
    }
}

/// The paced run's schedule, shared by its posting threads.
final class PacedSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var failed = false
    private var results: [(id: String, at: ContinuousClock.Instant)?]

    init(total: Int) { results = Array(repeating: nil, count: total) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard !failed, nextIndex < results.count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }

    func posted(_ index: Int, id: String, at: ContinuousClock.Instant) {
        lock.lock(); results[index] = (id, at); lock.unlock()
    }

    func fail() { lock.lock(); failed = true; lock.unlock() }

    /// Every post, in schedule order; nil if one failed.
    var all: [(id: String, at: ContinuousClock.Instant)]? {
        lock.lock(); defer { lock.unlock() }
        return failed ? nil : results.compactMap { $0 }
    }
}

struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Messages posted as fast as A accepts them for a bounded time; receipts per second while the outbox is full.")
    @Option(help: "A's API socket.") var from: String
    @Option var peer: String
    @Option var seconds = 10
    @Option(help: "Concurrent posting connections.") var connections = 4
    @Option(help: "Messages per request: 1 posts each alone (POST /v1/messages), more batch them (POST /v1/messages/batch).")
    var batch = 1

    func run() throws {
        let events = EventTap(socket: from)
        Thread.sleep(forTimeInterval: 0.2)
        let mark = events.mark
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let posted = LockedCounter()
        let group = DispatchGroup()
        for worker in 0..<connections {
            group.enter()
            Thread {
                let client = LocalAPIClient(socketPath: from)
                var index = 0
                while ContinuousClock.now < deadline {
                    if batch > 1 {
                        let texts = (index..<index + batch).map { "load \(worker)-\($0)" }
                        guard (try? client.sendBatch(to: peer, texts: texts)) != nil else { break }
                        index += batch
                    } else {
                        guard (try? client.send(to: peer, text: "load \(worker)-\(index)")) != nil else { break }
                        index += 1
                    }
                }
                posted.add(index)
                group.leave()
            }.start()
        }
        group.wait()
        let postedCount = posted.value
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let delivered = events.count(after: mark) { $0.isDelivery() && $0.at <= deadline }
        // Let the outbox drain (bounded), so the next run starts empty. The
        // event stream drops its oldest events when its reader falls behind
        // (a batched run: thousands of receipts a second), so the count may
        // never reach the posts: two seconds without a new receipt end the wait too.
        let drainDeadline = ContinuousClock.now + .seconds(120)
        var seen = -1, lastNew = ContinuousClock.now
        while ContinuousClock.now < drainDeadline {
            let count = events.count(after: mark, where: { $0.isDelivery() })
            if count >= postedCount || (count == seen && ContinuousClock.now - lastNew > .seconds(2)) { break }
            if count != seen { (seen, lastNew) = (count, ContinuousClock.now) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let drained = events.count(after: mark) { $0.isDelivery() }
        print(
            "{\"scenario\":\"\(batch > 1 ? "throughput-batched" : "throughput")\",\"batch\":\(batch),\"connections\":\(connections),\"posted\":\(postedCount),\"posted_per_s\":\(String(format: "%.0f", Double(postedCount) / seconds)),"
                + "\"delivered_per_s\":\(String(format: "%.0f", Double(delivered) / seconds)),\"drained\":\(drained)}")
    }
}

struct TimeUntilOnline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "time-until-online", abstract: "Runs a command (starting a peer) and times until A's stream says that peer is online.")
    @Option(help: "A's API socket.") var socket: String
    @Option var name: String
    @Argument(parsing: .captureForPassthrough) var command: [String]

    func run() throws {
        let events = EventTap(socket: socket)
        Thread.sleep(forTimeInterval: 0.2)
        let (start, event) = try events.run(command, untilOnline: name)
        var samples = Samples()
        samples.add(event.at - start)
        print(samples.summary("natter-discovery"))
    }
}

struct TimeUntilOutput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "time-until-output", abstract: "Starts a watcher, then a trigger; times until the watcher prints TEXT (Avahi's own publish→browse).")
    @Option var text: String
    @Option(help: "The watcher command, as one shell line; start it with exec, so that stopping the watcher stops the command.") var watcher: String
    @Option(help: "The trigger command, as one shell line.") var trigger: String

    func run() throws {
        let child = try ChildProcess.start(["/bin/sh", "-c", watcher], standardOutput: .pipe)
        defer { child.stop() }
        let watch = OutputWatch(text: text)
        let descriptor = child.outputPipe!
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { return }
                watch.append(Data(buffer[0..<count]))
            }
        }.start()
        Thread.sleep(forTimeInterval: 1.0)  // the browser is up and has answered its first query
        let start = ContinuousClock.now
        try runToCompletion(["/bin/sh", "-c", trigger])
        guard let at = watch.wait(seconds: 30) else { throw BenchError("the watcher never printed \(text)") }
        var samples = Samples()
        samples.add(at - start)
        print(samples.summary("avahi-publish-browse"))
    }
}


final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ count: Int) { lock.lock(); total += count; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

/// A watcher's output, and when `text` first appeared in it.
final class OutputWatch: @unchecked Sendable {
    private let condition = NSCondition()
    private let text: String
    private var output = ""
    private var found: ContinuousClock.Instant?

    init(text: String) { self.text = text }

    func append(_ data: Data) {
        condition.lock()
        output += String(decoding: data, as: UTF8.self)
        if found == nil && output.contains(text) { found = .now }
        condition.broadcast()
        condition.unlock()
    }

    func wait(seconds: Double) -> ContinuousClock.Instant? {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while found == nil && condition.wait(until: deadline) {}
        return found
    }
}

/// Runs a short command (netlab spawn, which returns at once) and waits for it.
func runToCompletion(_ arguments: [String]) throws {
    let status = try ChildProcess.start(arguments).waitForExit()
    guard status == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed with status \(status)") }
}

extension EventTap {
    /// Runs `command` (one that starts a colleague's daemon: netlab spawn,
    /// which returns at once) and waits up to 30 s for this stream to list
    /// `name` online. Returns when the command started and the event.
    func run(_ command: [String], untilOnline name: String) throws -> (started: ContinuousClock.Instant, online: Event) {
        let mark = self.mark
        let start = ContinuousClock.now
        try runToCompletion(command.first == "--" ? Array(command.dropFirst()) : command)
        guard let event = first(after: mark, timeout: .seconds(30), where: { tapped in
            guard case .peer(let peer) = tapped.event else { return false }
            return peer.name == name && peer.online
        }) else { throw BenchError("\(name) did not come online within 30 s") }
        return (start, event)
    }
}

extension EventTap.Event {
    /// A delivery receipt (for the message `id`, when given).
    func isDelivery(of id: String? = nil) -> Bool {
        guard case .delivery(let message) = event else { return false }
        return id == nil || message.id == id
    }
}
