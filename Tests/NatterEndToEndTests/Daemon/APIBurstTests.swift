import Foundation
import Spawn
import Testing

/// The daemon's memory and file descriptors, from /proc.
struct ProcessUsage: CustomStringConvertible {
    let residentKiB: Int
    let anonymousKiB: Int
    let descriptors: Int

    init(pid: Int32) {
        func kib(_ file: String, _ fields: [String]) -> Int {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").reduce(0) { sum, line in
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let name = words.first, fields.contains(String(name)), words.count > 1 else { return sum }
                return sum + (Int(words[1]) ?? 0)
            }
        }
        residentKiB = kib("status", ["VmRSS:"])
        // Anonymous memory: what malloc holds, whether or not a page is shared at that moment.
        anonymousKiB = kib("smaps_rollup", ["Anonymous:"])
        descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    var description: String { "RSS \(residentKiB) KiB, anonymous \(anonymousKiB) KiB, \(descriptors) fds" }
}

/// Raw connections to the API socket, opened from this process.
enum RawSocket {
    static func connect(_ path: String) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return result == 0 ? descriptor : -1
    }

    /// Everything until the peer closes (or the 15 s read timeout).
    static func readToEnd(_ descriptor: Int32) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads one answer's head and body; enough for the small JSON answers here.
    static func readAnswer(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &buffer, buffer.count)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }
}

/// The real `natter up` (no lab, mDNS off) under a burst of 1,000 API
/// connections: each is served, and once they are gone the daemon's file
/// descriptors are back where they were and its memory comes back down;
/// 1,000 connections that never send a request are closed by the daemon
/// after its 10 s request timeout.
@Suite("natter up: a burst of API connections")
struct APIBurstTests {
    static let connections = 1000

    func waitUntil(_ deadline: Duration, _ condition: () -> Bool) -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test func aBurstLeavesNoDescriptorAndGivesItsMemoryBack() throws {
        let solo = try SoloNatter(prefix: "natter-api-burst")
        defer { solo.remove() }
        let runtime = solo.base + "/run"
        let daemon = try solo.startDaemon(runtime: runtime)
        defer { daemon.stop(); _ = daemon.waitForExit() }
        #expect(try solo.answers(runtime: runtime))
        let socket = runtime + "/api.sock"
        let request = Array("GET /v1/status HTTP/1.1\r\n\r\n".utf8)

        // A first, smaller round warms up what every connection shares (allocator arenas, caches).
        for _ in 0..<100 {
            let descriptor = RawSocket.connect(socket)
            _ = write(descriptor, request, request.count)
            _ = RawSocket.readAnswer(descriptor)
            close(descriptor)
        }
        usleep(500_000)
        let before = ProcessUsage(pid: daemon.pid)

        // 1,000 clients, each asks and keeps its connection open.
        var open: [Int32] = []
        for _ in 0..<Self.connections {
            let descriptor = RawSocket.connect(socket)
            guard descriptor >= 0 else { break }
            _ = write(descriptor, request, request.count)
            open.append(descriptor)
        }
        let answered = open.filter { RawSocket.readAnswer($0).hasPrefix("HTTP/1.1 200") }.count
        #expect(answered == Self.connections, "every connection of the burst is served")
        let peak = ProcessUsage(pid: daemon.pid)
        for descriptor in open { close(descriptor) }
        #expect(waitUntil(.seconds(10)) { ProcessUsage(pid: daemon.pid).descriptors <= before.descriptors },
            "the daemon closed its side of every connection")
        usleep(2_500_000)  // the daemon gives memory back 1 s after a burst's last connection
        let after = ProcessUsage(pid: daemon.pid)
        print("API burst of \(Self.connections) connections: before \(before); peak \(peak); after \(after)")
        #expect(peak.descriptors >= before.descriptors + Self.connections, "the burst was really open at once: \(peak)")
        #expect(after.descriptors <= before.descriptors)
        let grew = peak.anonymousKiB - before.anonymousKiB, kept = after.anonymousKiB - before.anonymousKiB
        // Measured: +16 MB at the peak, +6 MB after (glibc keeps some; without
        // the trim all of it stayed). 60 % leaves room for the machine's noise.
        #expect(grew > 0 && kept <= grew * 6 / 10, "most of the burst's memory is given back: before \(before), peak \(peak), after \(after)")

        // 1,000 that never ask: the request timeout closes them, each with a 408.
        let silent = (0..<Self.connections).map { _ in RawSocket.connect(socket) }.filter { $0 >= 0 }
        #expect(silent.count == Self.connections)
        let started = ContinuousClock.now
        let timedOut = silent.filter { RawSocket.readToEnd($0).hasPrefix("HTTP/1.1 408") }.count
        let waited = ContinuousClock.now - started
        for descriptor in silent { close(descriptor) }
        #expect(timedOut == Self.connections, "each silent connection is answered 408 and closed")
        #expect(waited >= .seconds(9) && waited < .seconds(15), "after the 10 s request timeout: \(waited)")
        #expect(waitUntil(.seconds(5)) { ProcessUsage(pid: daemon.pid).descriptors <= before.descriptors })
    }
}
