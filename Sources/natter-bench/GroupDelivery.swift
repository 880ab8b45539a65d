import ArgumentParser
import Foundation
import NatterAPI

/// Issue 18's benchmark: a message to a group of all the other hosts (49 on
/// the scale lab's 50), timed from the post until every member's receipt is
/// back on the sender's stream ("delivered to 49 of 49"), beside the same
/// recipients each sent one one-to-one message back to back, timed until the
/// last of their receipts.
struct GroupDelivery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group-delivery",
        abstract: "A group message → all its members' receipts, beside one one-to-one message to each member → all receipts.")
    @Option(help: "The sender's API socket.") var from: String
    @Option(help: "The members' display names, comma-separated.") var members: String
    @Option var count = 200

    func run() throws {
        let client = LocalAPIClient(socketPath: from)
        let names = members.split(separator: ",").map(String.init)
        let events = EventTap(socket: from)
        Thread.sleep(forTimeInterval: 0.2)
        let name = "#bench\(UInt32.random(in: 0...UInt32.max))"
        _ = try client.createGroup(name, members: names)
        var group = Samples(), oneToOne = Samples()
        for index in 0..<(count + count / 10) {
            var mark = events.mark
            var start = ContinuousClock.now
            let sent = try client.sendToGroup(name, text: "bench \(index)")
            guard let done = events.first(after: mark, timeout: .seconds(10), where: { $0.isGroupDelivery(of: sent.id, complete: true) }) else {
                throw BenchError("group message \(index): not every receipt within 10 s")
            }
            if index >= count / 10 { group.add(done.at - start) }

            mark = events.mark
            start = ContinuousClock.now
            var ids: Set<String> = []
            for member in names { ids.insert(try client.send(to: member, text: "bench \(index)").id) }
            var last: ContinuousClock.Instant?
            var received: Set<String> = []
            while received.count < ids.count {
                guard let receipt = events.first(after: mark, timeout: .seconds(10), where: {
                    if case .delivery(let view) = $0.event { ids.contains(view.id) && !received.contains(view.id) } else { false }
                }), case .delivery(let view) = receipt.event
                else { throw BenchError("one-to-one round \(index): \(ids.count - received.count) receipts missing after 10 s") }
                received.insert(view.id)
                last = receipt.at
            }
            if index >= count / 10, let last { oneToOne.add(last - start) }
        }
        print(group.summary("group-\(names.count)-receipts"))
        print(oneToOne.summary("one-to-one-\(names.count)-receipts"))
    }
}

extension EventTap.Event {
    /// A receipt for group message `id`; with `complete`, the one that made it "N of N".
    func isGroupDelivery(of id: String, complete: Bool) -> Bool {
        guard case .groupDelivery(let view) = event, view.id == id else { return false }
        return !complete || (view.delivered != nil && view.delivered == view.recipients)
    }
}
