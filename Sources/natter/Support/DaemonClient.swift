import Foundation
import NatterNode

/// The CLI's view of the running daemon: typed calls over the local API that
/// turn every failure into one sentence for the user.
struct DaemonClient {
    let api: LocalAPIClient

    func get<Reply: Decodable>(_ target: String, as type: Reply.Type = Reply.self) throws -> Reply {
        try decode(call("GET", target), as: type)
    }

    func post<Reply: Decodable>(_ target: String, _ body: some Encodable, as type: Reply.Type = Reply.self) throws -> Reply {
        try decode(call("POST", target, body: JSONEncoder().encode(body)), as: type)
    }

    func delete(_ target: String) throws {
        _ = try call("DELETE", target)
    }

    /// Follows the event stream until it ends or `onEvent` returns false.
    func events(_ target: String = "/v1/events", onEvent: (String, String) -> Bool) throws {
        do {
            try api.streamEvents(target, onEvent: onEvent)
        } catch {
            throw CLIError(error.description)
        }
    }

    private func call(_ method: String, _ target: String, body: Data = Data()) throws -> [UInt8] {
        let reply: LocalAPIClient.Reply
        do {
            reply = try api.request(method, target, json: Array(body))
        } catch {
            throw CLIError(error.description)
        }
        if let message = reply.errorMessage { throw CLIError(message) }
        return reply.body
    }

    private func decode<Reply: Decodable>(_ body: [UInt8], as type: Reply.Type) throws -> Reply {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw CLIError("the daemon's answer could not be read (\(error)); is it the same natter version?")
        }
    }
}

/// A command's failure: printed as one sentence by ArgumentParser, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Percent-encodes a query value.
func queryValue(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}

/// Prints `value` as one line of JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
