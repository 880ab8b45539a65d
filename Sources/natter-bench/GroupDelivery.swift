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
    @Option(help: "A file listing every daemon's PID, the sender's first: their CPU during the group sends is reported.")
    var pids: String?
    @Flag(help: "Send the group messages only, without the one-to-one rounds between them: a profile of the group path alone.")
    var groupOnly = false
    @Option(help: "A file to write each measured group message's index, start (Unix ms) and latency (µs) to: where the slow ones fall.")
    var series: String?

    func run() throws {
        let client = LocalAPIClient(socketPath: from)
        let names = members.split(separator: ",").map(String.init)
        let events = EventTap(socket: from)
        Thread.sleep(forTimeInterval: 0.2)
        let name = "#bench\(UInt32.random(in: 0...UInt32.max))"
        _ = try client.createGroup(name, members: names)
        var group = Samples(), oneToOne = Samples()
        // CPU spent by the sender and by all the members together while group
        // messages were on their way: the lab's 50 daemons share this machine's
        // CPUs, so their sum over the CPU count is a floor under the latency.
        let cpu = try pids.map(ProcessCPU.listed(in:))
        var senderCPU = 0.0, membersCPU = 0.0, measuredGroups = 0
        // The members' CPU by the parity of their host's number (the PIDs'
        // line, the sender's being 1): with BENCH_NATTER_EVEN the even hosts
        // run another binary, a paired A/B of the members' work in one lab.
        var oddCPU = 0.0, evenCPU = 0.0
        // The sender's "delivered to N of 49" events per message: one per
        // commit that took some of its receipts, so this counts those commits.
        var receiptEvents = 0
        var seriesLines: [String] = []
        for index in 0..<(count + count / 10) {
            let cpuBefore = cpu?.snapshot()
            var mark = events.mark
            var start = ContinuousClock.now
            let startedAt = Date().timeIntervalSince1970
            let sent = try client.sendToGroup(name, text: "bench \(index)")
            guard let done = events.first(after: mark, timeout: .seconds(10), where: { $0.isGroupDelivery(of: sent.id, complete: true) }) else {
                throw BenchError("group message \(index): not every receipt within 10 s")
            }
            if index >= count / 10 {
                group.add(done.at - start)
                if series != nil {
                    seriesLines.append(String(format: "%d %.1f %.1f", index, startedAt * 1000, (done.at - start).microseconds))
                }
                receiptEvents += events.count(after: mark) { $0.isGroupDelivery(of: sent.id, complete: false) }
                if let cpu, let cpuBefore {
                    // Read after the receipts: the members' work for this message is done by then.
                    let spent = ProcessCPU.spent(from: cpuBefore, to: cpu.snapshot())
                    senderCPU += spent.first ?? 0
                    membersCPU += spent.dropFirst().reduce(0, +)
                    for (index, time) in spent.enumerated().dropFirst() {
                        if (index + 1).isMultiple(of: 2) { evenCPU += time } else { oddCPU += time }
                    }
                    measuredGroups += 1
                }
            }

            if groupOnly { continue }
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
        if let series { try (seriesLines.joined(separator: "\n") + "\n").write(toFile: series, atomically: true, encoding: .utf8) }
        print(group.summary("group-\(names.count)-receipts"))
        if measuredGroups > 0, let cpu {
            let cpus = ProcessInfo.processInfo.activeProcessorCount
            let evenHosts = cpu.pids.count / 2, oddHosts = (cpu.pids.count - 1) / 2  // host 1 sends
            let perMember = { (total: Double, hosts: Int) -> String in
                String(format: "%.1f", total / Double(max(1, hosts * measuredGroups)) / 1000)
            }
            let fields: [String] = [
                "\"scenario\":\"group-\(names.count)-cpu\"", "\"n\":\(measuredGroups)", "\"cpus\":\(cpus)",
                "\"sender_us\":" + String(format: "%.1f", senderCPU / Double(measuredGroups) / 1000),
                "\"members_us\":" + String(format: "%.1f", membersCPU / Double(measuredGroups) / 1000),
                "\"receipt_events\":" + String(format: "%.1f", Double(receiptEvents) / Double(max(1, group.microseconds.count))),
                "\"member_on_odd_host_us\":" + perMember(oddCPU, oddHosts),
                "\"member_on_even_host_us\":" + perMember(evenCPU, evenHosts),
            ]
            print("{" + fields.joined(separator: ",") + "}")
        }
        if !groupOnly { print(oneToOne.summary("one-to-one-\(names.count)-receipts")) }
    }
}

extension EventTap.Event {
    /// A receipt for group message `id`; with `complete`, the one that made it "N of N".
    func isGroupDelivery(of id: String, complete: Bool) -> Bool {
        guard case .groupDelivery(let view) = event, view.id == id else { return false }
        return !complete || (view.delivered != nil && view.delivered == view.recipients)
    }
}
