import Foundation

/// Routes local-API requests to the daemon (Docs/api.md is the contract).
public struct DaemonAPI: LocalAPIHandler {
    let daemon: NatterDaemon

    public init(daemon: NatterDaemon) {
        self.daemon = daemon
    }

    public func respond(to request: APIRequest) async -> APIResponse {
        do {
            return try await route(request)
        } catch let failure as APIFailure {
            return .json(status: failure.status, body: APIErrorBody.encoded(failure.message))
        } catch {
            return .json(status: 400, body: APIErrorBody.encoded("the request body is not valid JSON for this endpoint: \(error)"))
        }
    }

    private func route(_ request: APIRequest) async throws -> APIResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        guard segments.first == "v1", segments.count >= 2 else {
            throw APIFailure.notFound("no endpoint \(request.method) \(request.path); see Docs/api.md")
        }
        switch (request.method, segments[1], segments.count) {
        case ("GET", "status", 2):
            return try ok(await daemon.statusView())
        case ("POST", "status", 2):
            let body = try decode(PresenceRequest.self, request)
            return try ok(try await daemon.setPresence(body.status))
        case ("POST", "privacy", 2):
            let body = try decode(PrivacyRequest.self, request)
            return try ok(try await daemon.setPrivacy(share: body.shareState, peer: body.peer))
        case ("GET", "peers", 2):
            return try ok(await daemon.peerViews())
        case ("POST", "messages", 2):
            let body = try decode(SendRequest.self, request)
            return try ok(try await daemon.sendMessage(to: body.peer, text: body.text), status: 202)
        case ("GET", "messages", 2):
            guard let peer = request.query["peer"] else { throw APIFailure.badRequest("say whose history: ?peer=NAME or a fingerprint prefix") }
            let limit = min(max(Int(request.query["limit"] ?? "") ?? 50, 1), 1000)
            return try ok(try await daemon.history(with: peer, limit: limit))
        case ("POST", "windows", 2):
            let body = try decode(OpenWindowRequest.self, request)
            return try ok(try await daemon.openWindow(for: body.peer), status: 201)
        case ("POST", "windows", 4) where segments[3] == "signals":
            let body = try decode(SignalRequest.self, request)
            try await daemon.signal(body.signal, window: try windowID(segments[2]))
            return .json(status: 200, body: Array("{}".utf8))
        case ("DELETE", "windows", 3):
            await daemon.closeWindow(try windowID(segments[2]))
            return .json(status: 200, body: Array("{}".utf8))
        case ("GET", "events", 2):
            let window = try request.query["window"].map(windowID)
            let (stream, cancel) = await daemon.subscribe()
            return .eventStream(stream, onClose: { [daemon] in
                cancel()
                // A front end that vanished closed its window.
                if let window { Task { await daemon.closeWindow(window) } }
            })
        default:
            throw APIFailure.notFound("no endpoint \(request.method) \(request.path); see Docs/api.md")
        }
    }

    private func windowID(_ text: String) throws(APIFailure) -> UInt32 {
        guard let id = UInt32(text) else { throw .badRequest("\"\(text)\" is not a window id") }
        return id
    }

    private func decode<T: Decodable>(_ type: T.Type, _ request: APIRequest) throws -> T {
        try JSONDecoder().decode(type, from: Data(request.body))
    }

    private func ok(_ value: some Encodable, status: Int = 200) throws -> APIResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .json(status: status, body: Array(try encoder.encode(value)))
    }
}
