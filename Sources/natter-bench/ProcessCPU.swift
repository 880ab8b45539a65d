import Foundation

/// Time on a CPU of whole processes, from `/proc/PID/task/*/schedstat` (the
/// scheduler's nanoseconds, which include the kernel's work in the process's
/// system calls; not sampled at the tick like utime + stime).
struct ProcessCPU {
    let pids: [Int32]

    /// Nanoseconds on a CPU so far, per process, in `pids`' order (0 for one that is gone).
    func nanoseconds() -> [Double] {
        pids.map { pid in
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return tasks.reduce(0.0) { total, task in
                let line = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)) ?? ""
                return total + (Double(line.split(separator: " ").first ?? "0") ?? 0)
            }
        }
    }

    /// The PIDs listed in a file, one per line.
    static func listed(in path: String) throws -> ProcessCPU {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return ProcessCPU(pids: text.split(whereSeparator: \.isNewline).compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) })
    }
}
