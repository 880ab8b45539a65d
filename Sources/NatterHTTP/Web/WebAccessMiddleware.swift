import HTTPTypes
import Hummingbird
import NatterAPI

/// Applies ``WebGate``'s verdict to every request of the web listener, and
/// its headers to every answer (refusals and errors too).
struct WebAccessMiddleware: RouterMiddleware {
    typealias Context = NatterRequestContext
    let access: WebAccess
    private static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = await decide(request, context: context, next: next)
        for header in WebGate.responseHeaders {
            if let name = HTTPField.Name(header.name) { response.headers[name] = header.value }
        }
        return response
    }

    private func decide(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        let facts = WebRequestFacts(
            method: request.method.rawValue,
            path: String((request.head.path ?? "/").prefix { $0 != "?" }),
            host: request.head.authority,
            origin: request.headers[.origin],
            fetchSite: request.headers[Self.secFetchSite],
            upgrade: request.headers[.upgrade],
            cookies: request.headers[values: .cookie])
        guard let (verdict, gate) = access.verdict(for: facts) else {
            return APIForwarder.error(503, "the web UI is starting; try again in a moment")
        }
        switch verdict {
        case .refuse(let status, let sentence):
            return APIForwarder.error(status, sentence)
        case .redeemLink(let token):
            guard let session = access.redeem(token) else {
                return APIForwarder.error(
                    401, "this link was already used or has expired (links work once, for a minute); get a new one with: natter open")
            }
            return Response(status: .seeOther, headers: [.location: "/", .setCookie: gate.setCookie(session: session)])
        case .serve:
            do {
                return try await next(request, context)
            } catch let error as HTTPError {
                // The router's own answers (no such route) in the API's shape.
                return APIForwarder.error(error.status.code, error.body ?? "no such page; see Docs/api.md")
            } catch {
                return APIForwarder.error(500, "the web UI could not answer; this is a bug in natter")
            }
        }
    }
}
