public import ArgumentParser
import Foundation
public import Logging
import NatterCore
import NIOCore
import NatterDiscovery
import NatterNode
import NatterHTTP
import NatterWire
import ServiceLifecycle
import UnixSignals

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run natter in the foreground: discovery, links, the message store, the local API and the web UI (natter open).",
        discussion: """
            Stops gracefully on SIGTERM or SIGINT: says goodbye on mDNS, closes links, flushes the store. \
            Exits with status 78 when natter cannot start as set up (not initialised, no team, an invalid \
            config.toml, another natter already running on the same data directory, or a message store \
            that is empty or damaged: natter refuses it, changes nothing, and says how to set it aside).
            """)

    @OptionGroup var instance: InstanceOptions
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        // One NIO thread for the links, the local API and the daemon's actor
        // (NatterDaemon runs on that loop): a message is read, stored and
        // acknowledged without a thread switch, and an idle daemon has one
        // thread to wake instead of one per CPU (Docs/architecture.md).
        NIOSingletons.groupLoopCountSuggestion = 1
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            // Log lines quote colleagues' names: never raw to a terminal.
            return TerminalSafeLogHandler(wrapping: handler)
        }
        let logger = Logger(label: "natter")
        let paths = instance.paths

        guard let text = try? String(contentsOfFile: paths.configFile, encoding: .utf8) else {
            throw Self.cannotStart(ConfigError.missing(path: paths.configFile).description)
        }
        let config: NatterConfig
        do {
            config = try NatterConfig(toml: text)
        } catch {
            throw Self.cannotStart(error.description)
        }
        let keys = KeyFiles(directory: paths.dataDirectory)
        try keys.prepareDirectory()
        // Held until the process ends: one daemon per data directory.
        let lock: DataDirectoryLock
        do {
            lock = try DataDirectoryLock(directory: paths.dataDirectory)
        } catch {
            throw Self.cannotStart(error.description)
        }
        defer { withExtendedLifetime(lock) {} }
        let identity = try keys.loadOrCreateIdentity()
        guard let team = try keys.loadTeam() else {
            throw Self.cannotStart("this device has no team yet; run natter team create or natter team join CODE")
        }
        let store: MessageStore
        do {
            store = try MessageStore(path: paths.database)
        } catch {
            // Empty, not SQLite or damaged: only the user can decide what to do with it.
            if case .refused(let message) = error { throw Self.cannotStart(message) }
            throw error
        }
        let clockOffset = Self.clockOffset(environment: ProcessInfo.processInfo.environment)
        let wallClock: @Sendable () -> UInt64 = { UInt64(clamping: Int64(clamping: AvahiDiscovery.wallClock()) + clockOffset) }
        let links = PeerLinkService(
            identity: identity, team: team, displayName: config.displayName,
            tcpPort: Int(config.tcpPort), udpPort: Int(config.udpPort), logger: logger,
            rekeyPolicy: Self.rekeyPolicy(environment: ProcessInfo.processInfo.environment),
            clockOffsetMilliseconds: clockOffset)
        // Bound now, before the group runs: mDNS and the daemon publish the ports.
        let ports = try await links.boundPorts()
        let status = try NatterDaemon.storedPresence(in: store)
        // Colleagues on other subnets: the configured forwarders (those on
        // this subnet are found on mDNS). Cheap when there are none.
        let forwarders = Forwarders(
            team: team, fingerprint: identity.fingerprint, displayName: config.displayName, status: status, ports: ports,
            endpoints: config.forwarders, links: links, logger: logger, wallClock: wallClock)
        var sources: [any DiscoverySource] = [StaticPeerSource(peers: config.staticPeers), forwarders.source]
        var publishers: [@Sendable (PresenceStatus) -> Void] = [{ status in forwarders.update(status: status) }]
        var mdns: AvahiDiscovery?
        if config.mdns {
            let avahi = AvahiDiscovery(
                team: team, fingerprint: identity.fingerprint, displayName: config.displayName,
                status: status, tcpPort: UInt16(ports.tcp), logger: logger,
                now: wallClock)
            publishers.append { status in avahi.update(status: status) }
            sources.append(avahi)
            mdns = avahi
        }
        let finder = config.mdns
            ? ForwarderFinder(
                browser: ForwarderBrowser(tag: team.subkeys.forwarder.forwarderTag, logger: logger, quietWhenUnavailable: true),
                forwarders: forwarders, logger: logger)
            : nil
        let daemon = try NatterDaemon(
            identity: DaemonIdentity(fingerprint: identity.fingerprint, teamTag: team.subkeys.teamTag.description),
            config: config, store: store, links: links, relays: forwarders, pins: PinStore(directory: paths.dataDirectory),
            idleSources: IdleSources.candidates(environment: ProcessInfo.processInfo.environment),
            linkPorts: ports, presenceChanged: { [publishers] status in publishers.forEach { $0(status) } },
            resolveAgain: { [mdns] peer in mdns?.resolveAgain(peer) },
            network: SystemNetworkSensor(), logger: logger)
        // First in the list, so the group stops it last: goodbyes after everything else.
        var services: [any Service] = [links, forwarders]
        if let finder { services.append(finder) }
        services.append(DiscoveryService(sources: sources, daemon: daemon, logger: logger))
        services.append(DaemonService(daemon: daemon))
        let api = DaemonAPI(daemon: daemon, diagnostics: DaemonDiagnostics(forwarders: forwarders, links: links))
        let webPort = WebListener.preferredPort(configured: config.webPort, uid: getuid())
        let web = webPort.map { _ in WebAccess() }
        services.append(APIService(server: LocalAPIServer(socketPath: paths.apiSocket, handler: WebLinkEndpoint(wrapping: api, access: web), logger: logger)))
        if let webPort, let web {
            services.append(WebService(listener: WebListener(preferredPort: webPort, access: web, api: api, root: WebListener.installedRoot(), logger: logger)))
        }

        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("natter stopped")
    }
}

extension Up {
    /// Exit status 78 (EX_CONFIG, sysexits.h) when natter cannot start as it
    /// is set up: not set up yet, an invalid configuration, or another daemon
    /// on the same data directory. Only the user can change that, so the
    /// systemd user unit does not restart on it (`RestartPreventExitStatus=78`).
    static let cannotStartExitCode: Int32 = 78

    static func cannotStart(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("Error: " + message + "\n").utf8))
        return ExitCode(cannotStartExitCode)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs the daemon until graceful shutdown.
struct DaemonService: Service {
    let daemon: NatterDaemon
    func run() async throws {
        await cancelWhenGracefulShutdown { await daemon.run() }
    }
}

/// Serves the local API until graceful shutdown.
struct APIService: Service {
    let server: LocalAPIServer
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await server.run() }
    }
}

/// Serves the web UI until graceful shutdown.
struct WebService: Service {
    let listener: WebListener
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await listener.run() }
    }
}

extension Up {
    /// The links' key schedule: standard, unless `NATTER_TEST_REKEY_AFTER_MS`
    /// asks for a shorter one — for tests only (Docs/testing.md), to watch
    /// many rekeys in seconds. Never set it in production: it only makes
    /// rekeys more frequent, never less.
    static func rekeyPolicy(environment: [String: String]) -> RekeyPolicy {
        // At least 100 ms: the link checks its keys every quarter of the period.
        guard let value = environment["NATTER_TEST_REKEY_AFTER_MS"].flatMap(Int.init), value >= 100,
            .milliseconds(value) < WireConstants.rekeyAfter
        else { return .standard }
        return .every(.milliseconds(value))
    }

    /// `NATTER_TEST_CLOCK_OFFSET_MS` moves the clock this daemon stamps and
    /// checks handshakes and its mDNS records with — for tests only
    /// (Docs/testing.md), to play a colleague whose clock is wrong without
    /// touching the host's clock.
    static func clockOffset(environment: [String: String]) -> Int64 {
        environment["NATTER_TEST_CLOCK_OFFSET_MS"].flatMap(Int64.init) ?? 0
    }
}
