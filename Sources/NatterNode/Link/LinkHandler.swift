import Foundation
import Logging
import NIOCore
import NatterCore
import NatterWire

/// The thin NIO side of one TCP link: moves messages between the socket and
/// the ``SecureSession`` state machine, and reports to the service. Lives on
/// its channel's event loop.
final class LinkHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Frame
    typealias OutboundOut = ByteBuffer

    private var session: SecureSession
    private let service: PeerLinkService
    private let logger: Logger
    private var remoteFingerprint: DeviceFingerprint?
    private var helloReceived = false
    private var firstMessageSeen = false
    private var handshakeTimeout: Scheduled<Void>?

    init(initiator: Bool, service: PeerLinkService) {
        session = SecureSession(initiator: initiator, identity: service.identity, team: service.team)
        self.service = service
        logger = service.logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        handshakeTimeout = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(WireConstants.handshakeTimeout.components.seconds) * 1_000_000_000)) {
            self.logger.notice("closing a connection that did not finish the handshake in time", metadata: ["remote": "\(channel.remoteAddress?.description ?? "?")"])
            channel.close(promise: nil)
        }
        if session.isInitiator {
            do {
                let first = try session.start(nowMilliseconds: PeerLinkService.unixMilliseconds())
                context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(first, allocator: context.channel.allocator)), promise: nil)
            } catch {
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let message = buffer.readBytes(length: buffer.readableBytes) ?? []
        do {
            let outputs: [SecureSession.Output]
            if !session.isInitiator && !firstMessageSeen {
                firstMessageSeen = true
                let (type, body) = try Envelope.unwrap(message)
                guard type == .handshake1 else { throw LinkError.unexpectedMessage(type.rawValue) }
                let admitted = try Envelope.admitFirst(body, admit: service.admitKey, nowMilliseconds: PeerLinkService.unixMilliseconds())
                guard service.noteFirstMessage(admitted.tag) else { throw LinkError.replayedHandshake }
                outputs = try session.respond(toAdmitted: admitted.noise, fullMessage: message)
            } else {
                outputs = try session.receive(message)
            }
            for output in outputs { handle(output, context: context) }
        } catch let error as LinkError {
            refuse(error, context: context)
        } catch {
            refuse(.truncated, context: context)
        }
    }

    private func handle(_ output: SecureSession.Output, context: ChannelHandlerContext) {
        switch output {
        case .send(let bytes):
            context.writeAndFlush(wrapOutboundOut(.lengthPrefixed(bytes, allocator: context.channel.allocator)), promise: nil)
        case .established(let remoteKey):
            handshakeTimeout?.cancel()
            let fingerprint = DeviceFingerprint(publicKey: remoteKey)
            remoteFingerprint = fingerprint
            let hello = service.linkEstablished(fingerprint, channel: context.channel, initiator: session.isInitiator, keys: session.datagramKeys)
            write(hello, context: context)
            context.flush()
        case .frame(let frame):
            guard let fingerprint = remoteFingerprint else { return }
            if case .hello = frame {
                // One hello per link: a second could claim (and pin) another name.
                guard !helloReceived else { return }
                helloReceived = true
            } else if !helloReceived {
                return
            }
            if case .goodbye = frame {
                context.close(promise: nil)
                return
            }
            service.frameReceived(frame, from: fingerprint, channel: context.channel)
        case .skipped(let error):
            logger.notice("skipped a frame: \(error)", metadata: ["peer": "\(remoteFingerprint?.compact.prefix(8) ?? "?")"])
        }
    }

    /// Drops the connection after bad input, with one log line; the remote learns nothing.
    private func refuse(_ error: LinkError, context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress?.ipAddress ?? "?"
        switch error {
        case .admissionFailed:
            logger.warning("refused a connection: \(error)", metadata: ["remote": "\(remote)"])
        default:
            logger.notice("dropped a link after bad input: \(error)", metadata: ["remote": "\(remote)"])
        }
        service.countRefusal()
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        write(unwrapOutboundIn(data), context: context, promise: promise)
    }

    private func write(_ frame: Frame, context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        do {
            let sealed = try session.seal(frame)
            context.write(wrapOutboundOut(.lengthPrefixed(sealed, allocator: context.channel.allocator)), promise: promise)
        } catch {
            promise?.fail(error)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, session.isEstablished else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch idle {
        case .write:
            write(.keepalive(sequence: 0), context: context)
            context.flush()
        case .read:
            logger.info("link silent for 15 s; the peer is gone", metadata: ["peer": "\(remoteFingerprint?.compact.prefix(8) ?? "?")"])
            context.close(promise: nil)
        case .all:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        if let remoteFingerprint { service.linkClosed(remoteFingerprint, channel: context.channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("link error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
