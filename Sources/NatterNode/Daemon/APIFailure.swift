/// A request the daemon cannot carry out, with the HTTP status and the one
/// sentence the user sees.
struct APIFailure: Error {
    let status: Int
    let message: String

    static func badRequest(_ message: String) -> APIFailure { APIFailure(status: 400, message: message) }
    static func notFound(_ message: String) -> APIFailure { APIFailure(status: 404, message: message) }

    init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    init(_ failure: PeerResolver.Failure) {
        switch failure {
        case .noMatch: self.init(status: 404, message: failure.description)
        case .ambiguous: self.init(status: 409, message: failure.description)
        }
    }

    init(_ error: DeviceTrustError) {
        switch error {
        case .notPinned: self.init(status: 404, message: error.description)
        case .nothingRefused: self.init(status: 409, message: error.description)
        case .failed: self.init(status: 500, message: error.description)
        }
    }

    init(_ error: StoreError) {
        self.init(status: 500, message: error.description)
    }
}
