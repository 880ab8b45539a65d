public import ArgumentParser
import Foundation
public import Logging
import NIOCore
import NatterForwarder
import NatterWire
import ServiceLifecycle
import UnixSignals

/// `natter-forwarder`: directory and relay for natter members who cannot
/// reach each other directly (Docs/protocol.md §9). It holds only the team's
/// forwarder code, never the team code.
@main
struct NatterForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "natter-forwarder",
        abstract: "Directory and relay for natter members across subnets.",
        discussion: """
            Reads \(ForwarderConfig.defaultPath) (a missing default file means defaults) and the forwarder code \
            (made on a member's device with `natter team forwarder-code`). Stops on SIGTERM or SIGINT. \
            Exits with status 78 when it cannot start as configured.
            """,
        version: natterVersion)

    @Option(help: "The configuration file.") var config: String?
    @Option(help: "The file holding the forwarder code (overrides code_file).") var codeFile: String?
    @Option(help: "TCP and UDP port (overrides port).") var port: UInt16?
    @Option(help: "Prometheus port on 127.0.0.1, 0 for none (overrides metrics_port).") var metricsPort: UInt16?
    @Flag(help: "Do not publish the forwarder over mDNS.") var noMdns = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: Logger.Level = .info

    static let configExitCode: Int32 = 78

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "natter-forwarder")
        var settings: ForwarderConfig
        let key: ForwarderKey
        do {
            settings = try ForwarderConfig.load(path: config)
            if let codeFile { settings.codeFile = codeFile }
            if let port {
                guard port != 0 else { throw ForwarderConfigError.invalid("--port must be from 1 to 65535") }
                settings.port = port
            }
            if let metricsPort { settings.metricsPort = metricsPort }
            if noMdns { settings.mdns = false }
            key = try settings.loadKey()
        } catch let error as ForwarderConfigError {
            FileHandle.standardError.write(Data(("Error: \(error)\n").utf8))
            throw ExitCode(Self.configExitCode)
        }
        let service = ForwarderService(key: key, config: settings, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("natter-forwarder stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Binds, publishes, serves metrics, and stops it all on graceful shutdown.
struct ForwarderService: Service, CustomStringConvertible {
    /// What ServiceLifecycle logs: never the key.
    var description: String { "ForwarderService(port: \(config.port))" }

    let key: ForwarderKey
    let config: ForwarderConfig
    let logger: Logger

    func run() async throws {
        let server: ForwarderServer
        do {
            server = try await ForwarderServer.start(key: key, config: config, logger: logger)
        } catch {
            logger.critical("cannot listen on port \(config.port): \(error)")
            throw error
        }
        var metricsChannel: (any Channel)?
        if config.metricsPort != 0 {
            do {
                metricsChannel = try await MetricsServer.start(port: Int(config.metricsPort), host: server.host, metrics: ForwarderMetrics())
                logger.info("metrics on http://127.0.0.1:\(config.metricsPort)/metrics")
            } catch {
                logger.error("metrics not served: cannot listen on 127.0.0.1:\(config.metricsPort): \(error)")
            }
        }
        let publication = config.mdns ? ForwarderPublication(port: UInt16(server.port), key: key, logger: logger) : nil
        publication?.start()
        try? await gracefulShutdown()
        publication?.stop()
        try? await metricsChannel?.close()
        await server.stop()
    }
}
