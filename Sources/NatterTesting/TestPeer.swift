import Foundation
import Logging
import NatterAPI
public import NatterCore
public import NatterNode
public import NatterWire

/// One daemon on a ``MemoryNetwork``: a real `NatterDaemon` with a real
/// SQLite store and pins file in a temporary directory, driven by a
/// ``TestClock``. `api` is the real router, so tests speak the local API's
/// typed requests; `events` records the event stream from the start.
public final class TestPeer: Sendable {
    public let name: String
    public let identity: DeviceIdentity
    public let directory: String
    public let daemon: NatterDaemon
    public let api: DaemonAPI
    public let events: EventRecorder
    public let log: LogRecorder
    private let running: Task<Void, Never>

    public var fingerprint: DeviceFingerprint { identity.fingerprint }

    /// Starts a daemon. Pass `directory` (and the same `identity`) to restart
    /// one on the data it left behind.
    public init(
        name: String, on network: MemoryNetwork, clock: TestClock, identity: DeviceIdentity = DeviceIdentity(),
        directory: String? = nil, presenceChanged: @escaping @Sendable (PresenceStatus) -> Void = { _ in },
        resolveAgain: @escaping @Sendable (DeviceFingerprint) -> Void = { _ in },
        idleSources: [any IdleSource] = [], network sensor: (any NetworkSensor)? = nil, configure: (inout NatterConfig) -> Void = { _ in }
    ) throws {
        self.name = name
        self.identity = identity
        let directory = directory ?? temporaryDirectory(prefix: "natter-daemon-test")
        self.directory = directory
        var config = NatterConfig(displayName: name)
        configure(&config)
        log = LogRecorder()
        let team = try TeamKey(bytes: [UInt8](repeating: 7, count: 32))
        daemon = try NatterDaemon(
            identity: DaemonIdentity(fingerprint: identity.fingerprint, teamTag: team.subkeys.teamTag.description),
            config: config, store: try MessageStore(path: directory + "/messages.sqlite"),
            links: network.links(for: identity.fingerprint, name: name, address: "memory:\(name)"),
            relays: network.relays(for: identity.fingerprint), pins: PinStore(directory: directory), idleSources: idleSources,
            linkPorts: (tcp: 47_100, udp: 47_101), presenceChanged: presenceChanged, resolveAgain: resolveAgain,
            network: sensor, clock: clock, logger: log.logger(name))
        events = EventRecorder()
        api = DaemonAPI(daemon: daemon)
        running = Task { [daemon, events] in
            await events.follow(daemon)
            await daemon.run()
        }
    }

    /// The local API call a front end would make, decoded; a non-2xx answer
    /// throws ``APICallError`` with the daemon's sentence.
    public func call<Reply: Decodable>(
        _ method: String, _ path: String, _ body: (any Encodable)? = nil, as type: Reply.Type = Reply.self
    ) async throws -> Reply {
        let bytes = try body.map { try APIJSON.encode($0) } ?? []
        let request = APIRequest(method: method, target: path, body: bytes)
        guard case .json(let status, let answer) = await api.respond(to: request) else {
            throw APICallError(status: 0, message: "\(method) \(path) answered with a stream")
        }
        guard (200..<300).contains(status) else {
            throw APICallError(status: status, message: (try? APIJSON.decode(APIErrorBody.self, from: answer))?.error ?? "")
        }
        return try APIJSON.decode(type, from: answer)
    }

    /// Stops the daemon as `natter up` does on SIGTERM, and waits for it.
    public func stop() async {
        running.cancel()
        await running.value
    }
}

/// A local API call answered with an error status.
public struct APICallError: Error, Equatable {
    public let status: Int
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
}

/// A fresh private directory under the system's temporary directory.
public func temporaryDirectory(prefix: String = "natter-test") -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
