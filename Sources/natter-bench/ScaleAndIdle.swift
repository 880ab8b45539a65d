import ArgumentParser
import Foundation
import NatterAPI

struct WaitMesh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait-mesh", abstract: "Polls every daemon's peer list until each lists all the others online; prints when.")
    @Option(help: "A file listing the API sockets, one per line.") var sockets: String
    @Option var timeout = 600
    @Flag(help: "Print the mesh's growth to stderr once a second.") var progress = false

    func run() throws {
        let paths = try String(contentsOfFile: sockets, encoding: .utf8).split(separator: "\n").map(String.init)
        let start = ContinuousClock.now
        let deadline = start + .seconds(timeout)
        var pending = Set(paths)
        var online: [String: Int] = [:]
        var lastProgress = start
        while !pending.isEmpty {
            guard ContinuousClock.now < deadline else { throw BenchError("\(pending.count) daemons still incomplete after \(timeout) s") }
            for path in pending {
                guard let peers = try? LocalAPIClient(socketPath: path).peers() else { continue }
                online[path] = peers.filter(\.online).count
                if online[path]! >= paths.count - 1 { pending.remove(path) }
            }
            // Progress on stderr once a second: how the mesh grows tells a slow
            // climb (discovery) from a long tail (one daemon waiting on something).
            if progress, ContinuousClock.now - lastProgress >= .seconds(1) {
                lastProgress = ContinuousClock.now
                let seconds = Double((lastProgress - start).components.attoseconds) / 1e18 + Double((lastProgress - start).components.seconds)
                let links = paths.reduce(0) { $0 + (pending.contains($1) ? online[$1] ?? 0 : paths.count - 1) }
                let laggards = pending.sorted { (online[$0] ?? 0) < (online[$1] ?? 0) }.prefix(3)
                    .map { "\(URL(fileURLWithPath: $0).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().lastPathComponent):\(online[$0] ?? 0)" }
                let line = "mesh \(String(format: "%.1f", seconds)) s: \(links) of \(paths.count * (paths.count - 1)) online, "
                    + "\(pending.count) daemons incomplete \(laggards.joined(separator: " "))\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
            if !pending.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        }
        print("{\"scenario\":\"mesh\",\"hosts\":\(paths.count),\"done_unix_ms\":\(UInt64(Date().timeIntervalSince1970 * 1000))}")
    }
}

struct IdleCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle-cost", abstract: "A process's RSS, CPU and wake-ups per second over a quiet period, from /proc.")
    @Option var pid: Int32
    @Option var seconds = 60

    struct Reading {
        let cpuTicks: Double
        /// Voluntary context switches: a thread went to sleep and something woke it.
        let voluntary: Double
        /// Involuntary ones: a runnable thread was put off its CPU (on a lab of 50
        /// daemons sharing 2 CPUs, mostly other processes' doing, not wake-ups).
        let involuntary: Double
    }

    func read() throws -> Reading {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { throw BenchError("no process \(pid)") }
        // Fields after the command name (which may hold spaces) start at ") ".
        let fields = stat[stat.range(of: ") ")!.upperBound...].split(separator: " ")
        let ticks = Double(fields[11])! + Double(fields[12])!  // utime, stime
        var voluntary = 0.0, involuntary = 0.0
        for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
            for line in status.split(separator: "\n") {
                let count = Double(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "0") ?? 0
                if line.hasPrefix("voluntary_ctxt_switches") { voluntary += count }
                if line.hasPrefix("nonvoluntary_ctxt_switches") { involuntary += count }
            }
        }
        return Reading(cpuTicks: ticks, voluntary: voluntary, involuntary: involuntary)
    }

    func run() throws {
        let before = try read()
        Thread.sleep(forTimeInterval: Double(seconds))
        let after = try read()
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let rssKiB = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0"
        let threads = status.split(separator: "\n").first { $0.hasPrefix("Threads:") }?.split(separator: "\t").last ?? "?"
        // RSS counts shared, clean code pages (the Swift runtime, Foundation, the
        // binary) that other processes share and the kernel can drop; PSS shares
        // them out, and private dirty memory is what this daemon alone costs.
        let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
        func kibibytes(_ key: String) -> Double {
            Double(rollup.split(separator: "\n").first { $0.hasPrefix(key + ":") }?.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "0") ?? 0
        }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuPercent = (after.cpuTicks - before.cpuTicks) / ticksPerSecond / Double(seconds) * 100
        let wakeups = (after.voluntary - before.voluntary) / Double(seconds)
        let preemptions = (after.involuntary - before.involuntary) / Double(seconds)
        print(
            "{\"scenario\":\"idle\",\"rss_mib\":\(String(format: "%.1f", (Double(rssKiB) ?? 0) / 1024)),"
                + "\"pss_mib\":\(String(format: "%.1f", kibibytes("Pss") / 1024)),\"private_mib\":\(String(format: "%.1f", kibibytes("Private_Dirty") / 1024)),"
                + "\"cpu_percent\":\(String(format: "%.3f", cpuPercent)),"
                + "\"wakeups_per_s\":\(String(format: "%.2f", wakeups)),\"preemptions_per_s\":\(String(format: "%.2f", preemptions)),\"threads\":\(threads)}")
    }
}
