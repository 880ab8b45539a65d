import NIOCore
import NIOHTTP1
import NIOPosix
import NatterForwarder
import Prometheus

/// The forwarder's numbers as Prometheus metrics. Updated from the host's
/// snapshot on each scrape (on the engine's loop), so the engine keeps plain
/// integers and the registry sees totals only move forward.
final class ForwarderMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let registeredPeers: Gauge
    private let relaysActive: Gauge
    private let relayedStreamBytes: Counter
    private let relayedDatagramBytes: Counter
    private let relayedDatagrams: Counter
    private let drops: [DatagramDropReason: Counter]
    private let refused: [RefusalReason: Counter]
    private var last = ForwarderHost.Snapshot()

    static let names = [
        "natter_forwarder_registered_peers", "natter_forwarder_relays_active", "natter_forwarder_relayed_bytes_total",
        "natter_forwarder_relayed_datagrams_total", "natter_forwarder_datagram_drops_total", "natter_forwarder_refused_connections_total",
    ]

    /// `natter_forwarder_<name>_<unit>`.
    private static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "natter", subsystem: "forwarder", metricName: name, unitName: unit, helpText: help)
    }

    init() {
        registeredPeers = registry.makeGauge(descriptor: Self.name("registered", "peers", "Members registered now"))
        relaysActive = registry.makeGauge(descriptor: Self.name("relays", "active", "Relays offered or spliced now"))
        let bytes = Self.name("relayed_bytes", "total", "Bytes relayed, by path (stream or datagram)")
        relayedStreamBytes = registry.makeCounter(descriptor: bytes, labels: [("path", "stream")])
        relayedDatagramBytes = registry.makeCounter(descriptor: bytes, labels: [("path", "datagram")])
        relayedDatagrams = registry.makeCounter(descriptor: Self.name("relayed_datagrams", "total", "Datagrams relayed"))
        let dropped = Self.name("datagram_drops", "total", "Datagrams not relayed, by reason")
        var drops: [DatagramDropReason: Counter] = [:]
        for reason in DatagramDropReason.allCases {
            drops[reason] = registry.makeCounter(descriptor: dropped, labels: [("reason", reason.rawValue)])
        }
        self.drops = drops
        let closed = Self.name("refused_connections", "total", "Connections closed without a byte sent, by reason")
        var refused: [RefusalReason: Counter] = [:]
        for reason in RefusalReason.allCases {
            refused[reason] = registry.makeCounter(descriptor: closed, labels: [("reason", reason.rawValue)])
        }
        self.refused = refused
    }

    /// Must be called on one thread at a time (the engine's loop).
    func update(_ now: ForwarderHost.Snapshot) -> [UInt8] {
        registeredPeers.set(Int64(now.registeredPeers))
        relaysActive.set(Int64(now.activeRelays))
        relayedStreamBytes.increment(by: Int64(now.relayedStreamBytes - last.relayedStreamBytes))
        relayedDatagramBytes.increment(by: Int64(now.datagrams.relayedBytes - last.datagrams.relayedBytes))
        relayedDatagrams.increment(by: Int64(now.datagrams.relayedDatagrams - last.datagrams.relayedDatagrams))
        for (reason, counter) in drops {
            counter.increment(by: Int64(now.datagrams.drops[reason, default: 0] - last.datagrams.drops[reason, default: 0]))
        }
        for (reason, counter) in refused {
            counter.increment(by: Int64(now.refused[reason, default: 0] - last.refused[reason, default: 0]))
        }
        last = now
        return registry.emitToBuffer()
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1: GET /metrics answers the Prometheus
/// text, anything else 404.
enum MetricsServer {
    static func start(port: Int, host: ForwarderHost, metrics: ForwarderMetrics) async throws -> any Channel {
        try await ServerBootstrap(group: host.loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(host: host, metrics: metrics))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
    }
}

final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let host: ForwarderHost
    private let metrics: ForwarderMetrics
    private var request: HTTPRequestHead?

    init(host: ForwarderHost, metrics: ForwarderMetrics) {
        self.host = host
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            let found = head.method == .GET && (head.uri == "/metrics" || head.uri.hasPrefix("/metrics?"))
            // The server runs on the engine's loop: the snapshot is taken in place.
            let body: [UInt8] = found ? metrics.update(host.snapshot()) : Array("not found\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.count)")
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
            if !head.isKeepAlive {
                let channel = context.channel
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
