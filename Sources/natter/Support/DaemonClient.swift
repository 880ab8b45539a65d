import Foundation
import NatterNode

/// The CLI's view of the running daemon: typed calls over the local API that
/// turn every failure into one sentence for the user.
struct DaemonClient {
    let api: LocalAPIClient

    func get<Reply: Decodable>(_ target: String, as type: Reply.Type = Reply.self) throws -> Reply {
        try sentence { () throws(LocalAPIClientError) in try api.json("GET", target, as: type) }
    }

    func post<Reply: Decodable>(_ target: String, _ body: some Encodable, as type: Reply.Type = Reply.self) throws -> Reply {
        try sentence { () throws(LocalAPIClientError) in try api.json("POST", target, body: body, as: type) }
    }

    func delete(_ target: String) throws {
        _ = try sentence { () throws(LocalAPIClientError) in try api.json("DELETE", target, as: EmptyReply.self) }
    }

    /// Follows the event stream until it ends or `onEvent` returns false.
    func events(_ target: String = "/v1/events", onEvent: (String, String) -> Bool) throws {
        do {
            try api.streamEvents(target, onEvent: onEvent)
        } catch {
            throw CLIError(error.description)
        }
    }

    /// Runs a call, turning its failure into the one sentence the user sees.
    private func sentence<Reply>(_ call: () throws(LocalAPIClientError) -> Reply) throws -> Reply {
        do {
            return try call()
        } catch {
            throw CLIError(error.description)
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
