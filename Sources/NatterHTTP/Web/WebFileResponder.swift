import Hummingbird
import NIOCore

/// Answers `GET` and `HEAD` for the UI's files from the web root (`WebFiles`
/// says which file a path names, `WebRoot` reads it inside the root).
///
/// Every answer says `Cache-Control: no-cache`: the browser asks again each
/// time (a few small files, over loopback), so a page never mixes scripts of
/// an old natter with a new daemon after an upgrade.
struct WebFileResponder: Sendable {
    /// Nil when no web root was found (`WebRoot.locate`): every page is a 404 that says so.
    let root: WebRoot?

    func respond(to request: Request, context: NatterRequestContext) async throws -> Response {
        let path = String((request.head.path ?? "/").prefix { $0 != "?" })
        guard let root else {
            return APIForwarder.error(
                404, "the web UI's files are not installed (no NATTER_WEB_ROOT, no share/natter/web beside the natter executable)")
        }
        guard let file = WebFiles.file(forPath: path), let bytes = root.contents(of: file) else {
            return APIForwarder.error(404, "no such page in natter's web UI")
        }
        let headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "no-cache", .contentLength: String(bytes.count)]
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return Response(status: .ok, headers: headers, body: body)
    }
}
