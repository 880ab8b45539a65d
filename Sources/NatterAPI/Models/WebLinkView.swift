/// `POST /v1/web/link` (Unix socket only): a one-time link that signs a
/// browser in to the web UI.
public struct WebLinkView: Codable, Sendable, Equatable {
    /// `http://127.0.0.1:PORT/open/TOKEN`: opening it sets the session cookie
    /// and shows the UI. It works once.
    public var url: String
    /// How long it stays valid from now.
    public var expiresInSeconds: Int

    public init(url: String, expiresInSeconds: Int) {
        self.url = url
        self.expiresInSeconds = expiresInSeconds
    }
}
