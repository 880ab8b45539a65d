import CNIOLinux  // owns sockaddr_in here (MemberImportVisibility), once NIO is in the module
import Foundation
import NatterTesting

/// A raw HTTP/1.1 exchange over TCP on 127.0.0.1, so tests say exactly which
/// headers a request carries (a forged Host, a foreign Origin) — what no
/// well-behaved client lets them do.
struct LoopbackHTTP {
    struct Answer {
        let status: Int
        /// Names lowercased; a repeated header keeps its last value.
        let headers: [String: String]
        let body: String
    }

    let port: Int

    /// Sends `method target` with `headers` (a Host for this port unless
    /// given) and `Connection: close`, and reads the answer to the end, or
    /// until `until` appears in it (an event stream never ends). The socket
    /// calls block, so they run on a thread of their own (``onOwnThread(_:)``).
    func send(
        _ method: String, _ target: String, headers: [String: String] = [:], body: String = "", until: String? = nil
    ) async throws -> Answer {
        try await onOwnThread { try sendBlocking(method, target, headers: headers, body: body, until: until) }
    }

    private func sendBlocking(
        _ method: String, _ target: String, headers: [String: String], body: String, until: String?
    ) throws -> Answer {
        let descriptor = try connect()
        defer { close(descriptor) }
        var lines = ["\(method) \(target) HTTP/1.1"]
        var all = headers
        if all["Host"] == nil { all["Host"] = "127.0.0.1:\(port)" }
        all["Connection"] = "close"
        if !body.isEmpty { all["Content-Length"] = String(body.utf8.count) }
        lines += all.sorted { $0.key < $1.key }.compactMap { $0.value.isEmpty && $0.key == "Host" ? nil : "\($0.key): \($0.value)" }
        let request = Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
        guard write(descriptor, request, request.count) == request.count else { throw Failure("could not send") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let until, String(decoding: received, as: UTF8.self).contains(until) { break }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return try Self.parse(String(decoding: received, as: UTF8.self))
    }

    func connect() throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard result == 0 else {
            close(descriptor)
            throw Failure("could not connect to 127.0.0.1:\(port): errno \(errno)")
        }
        return descriptor
    }

    static func parse(_ text: String) throws -> Answer {
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure("no complete head in: \(text.debugDescription)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure("no status line: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
