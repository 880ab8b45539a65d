import Foundation

/// Time on a CPU of whole processes, from `/proc/PID/task/*/schedstat` (the
/// scheduler's nanoseconds, which include the kernel's work in the process's
/// system calls; not sampled at the tick like utime + stime).
struct ProcessCPU {
    let pids: [Int32]

    /// Per process (in `pids`' order), each live thread's nanoseconds on a CPU so far.
    struct Snapshot {
        fileprivate var threads: [[String: Double]]
    }

    func snapshot() -> Snapshot {
        Snapshot(threads: pids.map { pid in
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            var times: [String: Double] = [:]
            for task in tasks {
                let line = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
                if let time = Double(line.split(separator: " ").first ?? "") { times[task] = time }
            }
            return times
        })
    }

    /// Per process, the CPU time between two snapshots, thread by thread: a
    /// thread that ended in between adds nothing (its time since `before` is
    /// lost, a little), one that started adds all of its time. Summing the
    /// live threads instead counted an ended thread's whole past as negative
    /// time (a daemon's libdispatch workers end when they have idled).
    static func spent(from before: Snapshot, to after: Snapshot) -> [Double] {
        zip(before.threads, after.threads).map { earlier, later in
            later.reduce(0.0) { total, thread in total + max(0, thread.value - (earlier[thread.key] ?? 0)) }
        }
    }

    /// The PIDs listed in a file, one per line.
    static func listed(in path: String) throws -> ProcessCPU {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return ProcessCPU(pids: text.split(whereSeparator: \.isNewline).compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) })
    }
}
