import NatterAPI
public import NatterNode

/// The Unix socket's API: the daemon's (``DaemonAPI``) plus `POST /v1/web/link`,
/// which hands out the web UI's one-time links. Only the socket has it, so
/// only this user (the socket is 0600 in a 0700 folder) can sign a browser
/// in; the web listener answers the daemon's API alone.
public struct WebLinkEndpoint: LocalAPIHandler {
    let api: any LocalAPIHandler
    /// Nil when the web UI is off (`[web] port = 0`).
    let access: WebAccess?

    public init(wrapping api: any LocalAPIHandler, access: WebAccess?) {
        self.api = api
        self.access = access
    }

    public static let path = "/v1/web/link"

    public func respond(to request: APIRequest) async -> APIResponse {
        guard request.path == Self.path else { return await api.respond(to: request) }
        guard request.method == "POST" else {
            return .json(status: 405, body: APIErrorBody.encoded("\(Self.path) takes POST; see Docs/api.md"))
        }
        guard let access else {
            return .json(
                status: 409,
                body: APIErrorBody.encoded(
                    "the web UI is off (`[web] port = 0` in config.toml); remove that line or set a port, then restart natter up"))
        }
        guard let link = access.issueLink() else {
            return .json(status: 503, body: APIErrorBody.encoded("the web UI is not listening yet; try again in a moment"))
        }
        return .json(status: 200, body: (try? APIJSON.encode(link)) ?? [])
    }
}
