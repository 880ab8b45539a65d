import Foundation
import Logging
import NIOCore
import NatterAPI
import NatterCore
import NatterWire

/// The thin NIO side of one TCP link: feeds the socket's messages to the
/// ``SecureSession`` state machine and carries out its outputs, reporting to
/// the service. Lives on its channel's event loop.
final class LinkHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var session: SecureSession
    private let link: LinkID
    /// The device a dial is meant for (nil: unknown, or this side answers).
    private let responder: DeviceFingerprint?
    private let relay: RelayRoute?
    private let service: PeerLinkService
    private let logger: Logger
    private var remoteFingerprint: DeviceFingerprint?
    private var handshakeTimeout: Scheduled<Void>?
    /// Ticks the key schedule (§5.8) at its next deadline, and only then: a
    /// periodic tick per link woke an idle daemon once a second per colleague.
    private var rekeyTimer: Scheduled<Void>?
    /// The deadline ``rekeyTimer`` is set for.
    private var rekeyTimerDeadline: ContinuousClock.Instant?
    /// Set once the link is being closed for bad input: nothing more is read.
    private var dropped = false
    /// The initiator's first message: whom its timestamp was stamped for
    /// (Docs/protocol.md §4.4.1) and this clock when it was written.
    private var clockTarget: String?
    private var firstSentAt: UInt64 = 0

    /// What the periodic timer fires through the pipeline, so the tick runs
    /// on the handler's own loop without the timer holding the handler.
    struct RekeyTick {}

    /// - Parameter responder: the device a dial is meant for (nil: unknown, or this side answers).
    init(link: LinkID, initiator: Bool, responder: DeviceFingerprint? = nil, relay: RelayRoute?, service: PeerLinkService) {
        self.responder = responder
        session = SecureSession(
            initiator: initiator, identity: service.identity, team: service.team, responder: responder, rekeyPolicy: service.rekeyPolicy)
        self.link = link
        self.relay = relay
        self.service = service
        logger = service.logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel, logger = logger, service = service
        let dialled = session.isInitiator ? responder : nil
        handshakeTimeout = context.eventLoop.scheduleTask(in: TimeAmount(WireConstants.handshakeTimeout)) {
            logger.notice("closing a connection that did not finish the handshake in time", metadata: ["remote": "\(channel.remoteAddress?.description ?? "?")"])
            if let dialled {
                let address = Self.describe(channel.remoteAddress)
                service.recordLinkError(
                    .handshakeTimedOut, "connected to \(address), but the handshake did not finish within \(WireConstants.handshakeTimeout)",
                    peer: dialled, address: address)
            }
            channel.close(promise: nil)
        }
        if session.isInitiator {
            let remote = context.channel.remoteAddress
            let target = PeerClocks.target(peer: responder, host: remote?.normalisedHost ?? "?", port: remote?.port ?? 0)
            let (timestamp, sentAt) = service.handshakeTimestamp(to: target)
            (clockTarget, firstSentAt) = (target, sentAt)
            do {
                let first = try session.start(nowMilliseconds: timestamp)
                context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(first, allocator: context.channel.allocator)), promise: nil)
            } catch {
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A link the daemon refused, or one dropped for bad input, is not read
        // any further: messages already buffered behind the refusing one are
        // neither decrypted nor delivered (§4.6).
        guard !dropped, service.mayRead(link) else { return }
        var buffer = unwrapInboundIn(data)
        let message = buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            let outputs = session.isEstablished
                ? try session.receive(message, now: .now, freshIndex: reserveIndex)
                : try session.receive(message, nowMilliseconds: service.wallClockMilliseconds()) { [service, link] in
                    service.isFresh($0, on: link)
                }
            for output in outputs { handle(output, context: context) }
            if session.isEstablished {
                let keepalive = outputs.contains { if case .frame(.keepalive) = $0 { true } else { false } }
                if service.streamReceived(on: link, keepalive: keepalive) {
                    write(.keepalive(sequence: 0), context: context)
                    context.flush()
                }
            }
            try tick(context: context)
        } catch {
            drop(after: error, context: context, answer: refusalAnswer(message, after: error, context: context))
        }
    }

    /// The responder's answer to a first message it refused (§4.4.1): a
    /// clock hint within the source's budget, else a decoy; nil for malformed input.
    private func refusalAnswer(_ message: [UInt8], after error: LinkError, context: ChannelHandlerContext) -> [UInt8]? {
        guard !session.isInitiator, !session.isEstablished else { return nil }
        let remote = context.channel.remoteAddress?.normalisedHost ?? "?"
        let hint = error == .staleHandshake && service.clockRefused(message, from: remote)
        return session.answer(refusing: message, after: error, nowMilliseconds: service.wallClockMilliseconds(), hintAllowed: hint)
    }

    private func reserveIndex() -> UInt32 {
        service.reserveDatagramIndex(for: link)
    }

    /// Runs the key schedule: a due rekey starts (dialler), keys too old close the link.
    private func tick(context: ChannelHandlerContext) throws(LinkError) {
        guard session.isEstablished, !dropped else { return }
        for output in try session.tick(now: .now, freshIndex: reserveIndex) { handle(output, context: context) }
        armRekeyTimer(context: context)
    }

    /// Sets the one timer of the key schedule for its next deadline, when
    /// that moved (a rekey began or ended); frames in between cost nothing.
    private func armRekeyTimer(context: ChannelHandlerContext) {
        let deadline = session.keyDeadline
        guard deadline != rekeyTimerDeadline else { return }
        rekeyTimer?.cancel()
        rekeyTimerDeadline = deadline
        guard let deadline else { return }
        let channel = context.channel
        // At least a millisecond: a timer that fires a hair early ticks, finds
        // nothing due yet and is set again, never in a tight loop.
        let delay = max(deadline - ContinuousClock.now, .milliseconds(1))
        rekeyTimer = context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            channel.pipeline.fireUserInboundEventTriggered(RekeyTick())
        }
    }

    private func handle(_ output: SecureSession.Output, context: ChannelHandlerContext) {
        switch output {
        case .send(let bytes):
            context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(bytes, allocator: context.channel.allocator)), promise: nil)
        case .established(let remoteKey, let keys):
            handshakeTimeout?.cancel()
            armRekeyTimer(context: context)
            let fingerprint = DeviceFingerprint(publicKey: remoteKey)
            remoteFingerprint = fingerprint
            let remoteHost = context.channel.remoteAddress?.normalisedHost ?? ""
            if let hello = service.linkEstablished(
                fingerprint, link: link, initiator: session.isInitiator, remoteHost: remoteHost, keys: keys, relay: relay,
                clockTarget: clockTarget)
            {
                write(hello, context: context)
                context.flush()
            }
        case .frame(.goodbye):
            context.close(promise: nil)
        case .frame(.keepalive):
            break  // counted in channelRead (LinkLiveness)
        case .frame(let frame):
            guard let remoteFingerprint else { return }
            service.frameReceived(frame, from: remoteFingerprint, link: link)
        case .skipped(let error):
            logger.notice("skipped a frame: \(error)", metadata: ["peer": "\(remoteFingerprint?.compact.prefix(8) ?? "?")"])
        case .installDatagramReceive(let index, let key):
            guard let remoteFingerprint else { return }
            service.installDatagramReceive(link: link, peer: remoteFingerprint, index: index, key: key)
        case .switchDatagramSend(let index, let key):
            guard let remoteFingerprint else { return }
            service.switchDatagramSend(link: link, peer: remoteFingerprint, index: index, key: key)
        case .clockHint(let responderMilliseconds):
            if let clockTarget {
                service.clockHintReceived(
                    responderMilliseconds, sentAt: firstSentAt, from: clockTarget, peer: responder, address: Self.describe(context.channel.remoteAddress))
            }
            dropped = true
            context.close(promise: nil)
        case .rekeyed(let epoch):
            // The datagram figures show that no datagram was lost to a rekey (the lab's rekey test reads them).
            let counters = service.counters
            logger.debug(
                "link rekeyed",
                metadata: [
                    "peer": "\(remoteFingerprint?.compact.prefix(8) ?? "?")", "epoch": "\(epoch)",
                    "acceptedDatagrams": "\(counters.acceptedDatagrams)", "droppedDatagrams": "\(counters.droppedDatagrams)",
                ])
        }
    }

    /// Drops the connection after bad input, with one log line; the remote
    /// learns nothing. The line tells apart a stranger at the door (failed
    /// admission), a link damaged in transit (failed transport
    /// authentication: no key problem to hunt for) and other bad input.
    /// - Parameter answer: what a responder writes before closing (§4.4.1).
    private func drop(after error: LinkError, context: ChannelHandlerContext, answer: [UInt8]? = nil) {
        let remote = context.channel.remoteAddress?.normalisedHost ?? "?"
        switch error {
        case .admissionFailed:
            logger.warning("refused a connection: \(error)", metadata: ["remote": "\(remote)"])
        case .transportAuthenticationFailed:
            logger.warning(
                "dropped a link: \(error)",
                metadata: ["remote": "\(remote)", "peer": "\(remoteFingerprint?.compact.prefix(8) ?? "?")"])
        default:
            logger.notice("dropped a link after bad input: \(error)", metadata: ["remote": "\(remote)"])
        }
        dropped = true
        service.linkDropped(after: error)
        // Filed under the colleague when it is known: the device dialled, or the linked one.
        if let peer = remoteFingerprint ?? (session.isInitiator ? responder : nil) {
            let address = Self.describe(context.channel.remoteAddress)
            let (kind, text) = LinkErrorLog.describe(error, address: address)
            service.recordLinkError(kind, text, peer: peer, address: address)
        }
        guard let answer else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(answer, allocator: channel.allocator))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        write(unwrapOutboundIn(data), context: context, promise: promise)
    }

    private func write(_ frame: Frame, context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        do {
            let sealed = try session.seal(frame)
            context.write(wrapOutboundOut(.lengthPrefixed(sealed, allocator: context.channel.allocator)), promise: promise)
            service.streamSent(on: link)
        } catch {
            promise?.fail(error)
            if error == .keysExpired { drop(after: error, context: context) }
            return
        }
        // The message budget can call for a rekey right after a burst.
        do { try tick(context: context) } catch { drop(after: error, context: context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RekeyTick {
            rekeyTimerDeadline = nil  // it fired: whatever tick finds, set it again
            do { try tick(context: context) } catch { drop(after: error, context: context) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        rekeyTimer?.cancel()
        service.linkClosed(link)
        context.fireChannelInactive()
    }

    /// `host:port` of a connection's remote end, for link errors.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "?" }
        return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("link error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
