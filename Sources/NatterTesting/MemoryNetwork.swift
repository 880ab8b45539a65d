public import NatterCore
public import NatterNode
public import NatterWire
import Synchronization

/// Links between daemons in memory, for tests that need no root, no sockets
/// and no time: a frame one daemon sends is an event on the other's link
/// stream at once, in order. Tests decide when colleagues connect and part,
/// and can make the network lose or duplicate chat frames.
///
/// A frame travels as the wire carries it: encoded and decoded again by
/// `FrameCodec`, so a daemon that builds a frame its colleagues' codec
/// refuses is caught here too. Such a frame is not delivered (a real link
/// closes on it) and ``refusedFrames`` lists it.
public final class MemoryNetwork: Sendable {
    /// What the network does to chat frames from one device to another.
    public enum Impairment: Sendable, Equatable {
        /// The next `count` chat frames are lost.
        case dropChats(count: Int)
        /// Every chat frame arrives twice.
        case duplicateChats
        /// Acknowledgements are lost (the receiver stored the message; the sender never hears).
        case dropAcks
        /// The sender plays a natter from before groups: its features frame
        /// (Docs/protocol.md §5.9) never arrives, so the receiver must treat
        /// it as not speaking groups. ``frames(from:to:)`` still records
        /// everything sent to it.
        case withholdFeatures
    }

    private struct Node {
        let name: String
        let address: String
        let continuation: AsyncStream<LinkEvent>.Continuation
    }

    private struct Pair: Hashable {
        let from: DeviceFingerprint
        let to: DeviceFingerprint
    }

    private struct State {
        var nodes: [DeviceFingerprint: Node] = [:]
        var connected: Set<Pair> = []
        var impairments: [Pair: Impairment] = [:]
        var sent: [Pair: [Frame]] = [:]
        var refused: [Frame] = []
        var dials: [String] = []
        var dialledDevices: [DeviceFingerprint?] = []
        /// Pairs a direct dial cannot connect (a router in between drops them).
        var blockedDirect: Set<Pair> = []
        /// The relays asked for, by whom, to whom.
        var relays: [Pair] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The link layer of one device on this network; `address` is what
    /// others dial to reach it.
    public func links(for device: DeviceFingerprint, name: String, address: String) -> MemoryLinks {
        let (events, continuation) = AsyncStream<LinkEvent>.makeStream()
        state.withLock { $0.nodes[device] = Node(name: name, address: address, continuation: continuation) }
        return MemoryLinks(network: self, device: device, events: events)
    }

    /// Brings a link up between two devices: each side's daemon sees the
    /// other's hello (its display name). Nothing happens if already linked.
    ///
    /// Both hellos are announced under the lock, as on a real link where each
    /// side's hello precedes its frames: a daemon that reacts to its `.up` by
    /// sending (the outbox) cannot get a frame ahead of the other's `.up`.
    public func connect(_ a: DeviceFingerprint, _ b: DeviceFingerprint, relayed: Bool = false) {
        state.withLock { state in
            guard let nodeA = state.nodes[a], let nodeB = state.nodes[b], !state.connected.contains(Pair(from: a, to: b)) else { return }
            state.connected.insert(Pair(from: a, to: b))
            state.connected.insert(Pair(from: b, to: a))
            nodeA.continuation.yield(.up(b, name: nodeB.name, remoteHost: nodeB.address, relayed: relayed))
            nodeB.continuation.yield(.up(a, name: nodeA.name, remoteHost: nodeA.address, relayed: relayed))
        }
    }

    /// A new link replaces the one between `a` and `b` (a reconnect before the
    /// old link's death was noticed): `a` sees `b`'s hello again, claiming
    /// `name`, and no `.down` for the old link. Nothing happens if not linked.
    public func replaceLink(_ a: DeviceFingerprint, _ b: DeviceFingerprint, claiming name: String) {
        state.withLock { state in
            guard let nodeA = state.nodes[a], let nodeB = state.nodes[b], state.connected.contains(Pair(from: a, to: b)) else { return }
            nodeA.continuation.yield(.up(b, name: name, remoteHost: nodeB.address))
        }
    }

    /// Direct dials between `a` and `b` fail from now on (both ways), as
    /// across a router that drops them; a relay still connects them.
    public func blockDirect(_ a: DeviceFingerprint, _ b: DeviceFingerprint) {
        state.withLock { state in
            state.blockedDirect.insert(Pair(from: a, to: b))
            state.blockedDirect.insert(Pair(from: b, to: a))
        }
    }

    /// A forwarder for `device`: relays to any node of this network.
    public func relays(for device: DeviceFingerprint) -> some RelayDialer {
        MemoryRelays(network: self, device: device)
    }

    /// The relays asked for so far, as (from, to).
    public var relaysAsked: [(from: DeviceFingerprint, to: DeviceFingerprint)] {
        state.withLock { $0.relays.map { ($0.from, $0.to) } }
    }

    func relay(from device: DeviceFingerprint, to peer: DeviceFingerprint) -> Bool {
        let known = state.withLock { state in
            state.relays.append(Pair(from: device, to: peer))
            return state.nodes[peer] != nil
        }
        if known { connect(device, peer, relayed: true) }
        return known
    }

    /// Takes the link down; each side sees its colleague go.
    public func disconnect(_ a: DeviceFingerprint, _ b: DeviceFingerprint) {
        state.withLock { state in
            guard state.connected.remove(Pair(from: a, to: b)) != nil else { return }
            state.connected.remove(Pair(from: b, to: a))
            state.nodes[a]?.continuation.yield(.down(b))
            state.nodes[b]?.continuation.yield(.down(a))
        }
    }

    /// `device` drops its links (it slept, its address went): the others see
    /// it go; `device` itself is told nothing (``MemoryLinks/dropLinks(from:)``
    /// returns them). Returns the colleagues it was linked to.
    func drop(_ device: DeviceFingerprint) -> [DeviceFingerprint] {
        state.withLock { state in
            let peers = state.connected.filter { $0.from == device }.map(\.to)
            for peer in peers {
                state.connected.remove(Pair(from: device, to: peer))
                state.connected.remove(Pair(from: peer, to: device))
                state.nodes[peer]?.continuation.yield(.down(device))
            }
            return peers
        }
    }

    /// The address `device` was given, for its links' local address.
    func address(of device: DeviceFingerprint) -> String? {
        state.withLock { $0.nodes[device]?.address }
    }

    public func impair(from: DeviceFingerprint, to: DeviceFingerprint, _ impairment: Impairment?) {
        state.withLock { $0.impairments[Pair(from: from, to: to)] = impairment }
    }

    /// Every frame `from` handed to its link for `to` (delivered or not).
    public func frames(from: DeviceFingerprint, to: DeviceFingerprint) -> [Frame] {
        state.withLock { $0.sent[Pair(from: from, to: to)] ?? [] }
    }

    /// Every frame sent so far that the receiver's codec refuses (not
    /// delivered): a test that ends with any has found a daemon writing
    /// what no colleague can read.
    public var refusedFrames: [Frame] { state.withLock { $0.refused } }

    /// The addresses dialled so far, in order.
    public var dials: [String] { state.withLock { $0.dials } }
    /// The device each dial expected (nil: an address-only dial), in the order of ``dials``.
    public var dialledDevices: [DeviceFingerprint?] { state.withLock { $0.dialledDevices } }

    // MARK: Called by MemoryLinks

    /// Delivers under the lock, so a frame keeps its place between the
    /// links' `.up` and `.down` announcements, as on a real stream. Public so
    /// a test can forge a frame `from` a linked device's daemon never sent.
    public func send(_ frame: Frame, from: DeviceFingerprint, to: DeviceFingerprint) -> Bool {
        state.withLock { state in
            let pair = Pair(from: from, to: to)
            guard state.connected.contains(pair), let receiver = state.nodes[to] else { return false }
            state.sent[pair, default: []].append(frame)
            guard let carried = try? FrameCodec.decode(FrameCodec.encode(frame)) else {
                state.refused.append(frame)
                return true
            }
            var copies = 1
            switch (frame, state.impairments[pair]) {
            case (.chat, .dropChats(let count)):
                copies = 0
                state.impairments[pair] = count > 1 ? .dropChats(count: count - 1) : nil
            case (.chat, .duplicateChats):
                copies = 2
            case (.ack, .dropAcks), (.features, .withholdFeatures):
                copies = 0
            default:
                break
            }
            for _ in 0..<copies { receiver.continuation.yield(.received(carried, from: from)) }
            return true
        }
    }

    /// Connects when a node has that address and nothing blocks the pair; false
    /// otherwise. A dial that expects another device than the one at `host`
    /// gets its connection but no link, as over TCP (the first message is
    /// bound to the expected device, Docs/protocol.md §4.3).
    func dial(from device: DeviceFingerprint, host: String, expecting peer: DeviceFingerprint? = nil) -> Bool {
        let target = state.withLock { state -> DeviceFingerprint? in
            state.dials.append(host)
            state.dialledDevices.append(peer)
            guard let target = state.nodes.first(where: { $0.value.address == host })?.key,
                !state.blockedDirect.contains(Pair(from: device, to: target))
            else { return nil }
            return target
        }
        guard let target else { return false }
        if let peer, peer != target { return true }
        connect(device, target)
        return true
    }
}

/// One device's view of a ``MemoryNetwork``: the daemon's `PeerLinks`.
public final class MemoryLinks: PeerLinks {
    private let network: MemoryNetwork
    /// The device these links belong to.
    public let device: DeviceFingerprint
    public let events: AsyncStream<LinkEvent>

    init(network: MemoryNetwork, device: DeviceFingerprint, events: AsyncStream<LinkEvent>) {
        self.network = network
        self.device = device
        self.events = events
    }

    @discardableResult
    public func dial(host: String, port: UInt16, expecting peer: DeviceFingerprint?) async -> Bool {
        network.dial(from: device, host: host, expecting: peer)
    }

    @discardableResult
    public func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool {
        network.send(frame, from: device, to: peer)
    }

    public func disconnect(_ peer: DeviceFingerprint) {
        network.disconnect(device, peer)
    }

    /// Every link of this device runs from its one address.
    public func dropLinks(unlessFrom localAddresses: Set<String>?) -> [DeviceFingerprint] {
        if let localAddresses, let address = network.address(of: device), localAddresses.contains(address) { return [] }
        return network.drop(device)
    }
}

/// One device's forwarders on a ``MemoryNetwork``: every relay asked for connects.
struct MemoryRelays: RelayDialer {
    let network: MemoryNetwork
    let device: DeviceFingerprint

    func relay(to peer: DeviceFingerprint) async -> Bool {
        network.relay(from: device, to: peer)
    }
}
