import Foundation
import NatterAPI
import NatterCore

/// Routes local-API requests to the daemon (Docs/api.md is the contract):
/// decodes the typed request, calls the daemon, encodes the typed answer.
public struct DaemonAPI: LocalAPIHandler {
    let daemon: NatterDaemon
    /// For `GET /v1/doctor`; nil in tests without links or forwarders (then it lists nothing).
    let diagnostics: DaemonDiagnostics?

    public init(daemon: NatterDaemon, diagnostics: DaemonDiagnostics? = nil) {
        self.daemon = daemon
        self.diagnostics = diagnostics
    }

    public func respond(to request: APIRequest) async -> APIResponse {
        do {
            return try await route(request)
        } catch let failure as APIFailure {
            return .json(status: failure.status, body: APIErrorBody.encoded(failure.message))
        } catch {
            // Encoding a view cannot fail for data natter made; say so without a dump.
            return .json(status: 500, body: APIErrorBody.encoded("the daemon could not encode its answer; this is a bug in natter"))
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
        case ("POST", "messages", 3) where segments[2] == "batch":
            let body = try decode(SendBatchRequest.self, request)
            return try ok(try await daemon.sendMessages(to: body.peer, texts: body.texts), status: 202)
        case ("GET", "messages", 2):
            guard let peer = request.query["peer"] else { throw APIFailure.badRequest("say whose history: ?peer=NAME or a fingerprint prefix") }
            let before = try request.query["before"].map(messageID)
            return try ok(try await daemon.history(with: peer, limit: historyLimit(request), before: before))
        case ("POST", "windows", 2):
            let body = try decode(OpenWindowRequest.self, request)
            return try ok(try await daemon.openWindow(for: body.peer), status: 201)
        case ("POST", "windows", 4) where segments[3] == "signals":
            let body = try decode(SignalRequest.self, request)
            try await daemon.signal(body.signal, window: try windowID(segments[2]))
            return try ok(EmptyReply())
        case ("DELETE", "windows", 3):
            await daemon.closeWindow(try windowID(segments[2]))
            return try ok(EmptyReply())
        case ("POST", "trust", 2):
            let body = try decode(TrustRequest.self, request)
            return try ok(try await daemon.trust(body.peer))
        case ("GET", "conflicts", 2):
            return try ok(await daemon.conflictViews())
        case ("POST", "forget", 2):
            let body = try decode(ForgetRequest.self, request)
            return try ok(try await daemon.forget(body.peer, history: body.history ?? false))
        case ("GET", "groups", 2):
            return try ok(await daemon.groupViews())
        case ("POST", "groups", 2):
            let body = try decode(GroupCreateRequest.self, request)
            return try ok(try await daemon.createGroup(name: body.name, members: body.members), status: 201)
        case ("POST", "groups", 4) where segments[3] == "members":
            let body = try decode(GroupMembersRequest.self, request)
            return try ok(try await daemon.addMembers(body.members, to: try GroupPath.name(segments[2])))
        case ("POST", "groups", 4) where segments[3] == "removals":
            let body = try decode(GroupMembersRequest.self, request)
            return try ok(try await daemon.removeMembers(body.members, from: try GroupPath.name(segments[2])))
        case ("POST", "groups", 4) where segments[3] == "leave":
            return try ok(try await daemon.leaveGroup(try GroupPath.name(segments[2])))
        case ("POST", "groups", 4) where segments[3] == "messages":
            let body = try decode(GroupSendRequest.self, request)
            return try ok(try await daemon.sendGroupMessage(to: try GroupPath.name(segments[2]), text: body.text), status: 202)
        case ("GET", "groups", 4) where segments[3] == "messages":
            let before = try request.query["before"].map(messageID)
            return try ok(try await daemon.groupHistory(try GroupPath.name(segments[2]), limit: historyLimit(request), before: before))
        case ("POST", "broadcasts", 2):
            let body = try decode(GroupSendRequest.self, request)
            return try ok(try await daemon.sendBroadcast(text: body.text), status: 202)
        case ("GET", "broadcasts", 2):
            let before = try request.query["before"].map(messageID)
            return try ok(try await daemon.groupHistory(nil, limit: historyLimit(request), before: before))
        case ("GET", "doctor", 2):
            var view = diagnostics?.view() ?? DoctorView(forwarders: [], clockRefusals: [])
            if let query = request.query["peer"] {
                let peer = try await daemon.resolve(query)
                let name = await daemon.name(of: peer)
                view.peer = await diagnostics?.peerView(peer, name: name)
                    ?? DoctorPeerView(fingerprint: peer.compact, name: name, link: nil, remote: nil, udp: UDPCheckView(outcome: .noLink), lastError: nil)
            }
            return try ok(view)
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

    private func historyLimit(_ request: APIRequest) -> Int {
        let asked = Int(request.query["limit"] ?? "") ?? NodeConstants.defaultHistoryLimit
        return min(max(asked, 1), NodeConstants.maximumHistoryLimit)
    }

    private func windowID(_ text: String) throws(APIFailure) -> UInt32 {
        guard let id = UInt32(text) else { throw .badRequest("\"\(text)\" is not a window id") }
        return id
    }

    private func messageID(_ text: String) throws(APIFailure) -> MessageID {
        guard let id = MessageID(hex: text) else { throw .badRequest("\"\(text)\" is not a message id (32 hex digits)") }
        return id
    }

    /// Decodes a request body; a bad one is a 400 that names the field at
    /// fault (`APIErrorText.badBody`).
    private func decode<T: Decodable>(_ type: T.Type, _ request: APIRequest) throws(APIFailure) -> T {
        do {
            return try APIJSON.decode(type, from: request.body)
        } catch {
            throw .badRequest(APIErrorText.badBody(error, allowed: Self.allowedValues))
        }
    }

    /// The closed sets of names request bodies use, listed when a body gives another.
    private static let allowedValues: [String: [String]] = [
        "status": PresenceStatus.allCases.map(\.rawValue),
        "signal": DetectorSignal.allCases.filter(\.isReportedByFrontEnds).map(\.rawValue),
    ]

    private func ok(_ value: some Encodable, status: Int = 200) throws -> APIResponse {
        .json(status: status, body: try APIJSON.encode(value))
    }
}
