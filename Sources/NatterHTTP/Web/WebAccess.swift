import NatterAPI
import NatterNode
import NatterCore
import Synchronization

/// The web listener's live state, shared by the Unix socket (which hands out
/// links) and the web listener (which redeems them and checks sessions): the
/// port it is bound to and the ``WebSessions``.
public final class WebAccess: Sendable {
    private struct State {
        var port: Int?
        var sessions = WebSessions()
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> MonotonicInstant

    /// Links expire by the system's monotonic clock.
    public convenience init() {
        let clock = SystemClock()
        self.init(now: { clock.now })
    }

    /// - Parameter now: monotonic time, for links' expiry (tests pass their own).
    init(now: @escaping @Sendable () -> MonotonicInstant) {
        self.now = now
    }

    /// The port the listener is bound to; nil until it is.
    public var port: Int? { state.withLock { $0.port } }

    func listening(on port: Int) {
        state.withLock { $0.port = port }
    }

    /// A one-time link, or nil while the listener is not bound.
    func issueLink() -> WebLinkView? {
        let time = now()
        return state.withLock { state in
            guard let port = state.port else { return nil }
            let token = state.sessions.issueLink(at: time)
            return WebLinkView(
                url: "http://127.0.0.1:\(port)\(WebGate.linkPath)\(token)",
                expiresInSeconds: Int(HTTPConstants.webLinkLifetime.components.seconds))
        }
    }

    /// The verdict on a request (`WebGate`), or nil while the listener is not bound.
    func verdict(for request: WebRequestFacts) -> (WebVerdict, WebGate)? {
        state.withLock { state in
            guard let port = state.port else { return nil }
            let gate = WebGate(port: port)
            return (gate.verdict(for: request, isSession: state.sessions.isSession), gate)
        }
    }

    /// Uses a link's token: the session id to set as a cookie, or nil.
    func redeem(_ token: String) -> String? {
        let time = now()
        return state.withLock { $0.sessions.redeem(token, at: time) }
    }
}
