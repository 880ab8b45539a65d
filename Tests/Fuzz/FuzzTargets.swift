import Crypto
import Foundation
import NatterCore
import NatterDiscovery
import NatterTerminal
import NatterWire

/// Every parser that reads bytes a stranger controls, behind one entry point.
/// The first input byte picks the parser; the rest is its input. A parser may
/// refuse anything, but must never crash, hang or grow without bound.
enum FuzzTargets {
    /// Fixed keys: the fuzzer must be deterministic to minimise its findings.
    static let team = try! TeamKey(bytes: [UInt8](repeating: 7, count: 32))
    static let responder = try! DeviceIdentity(rawRepresentation: [UInt8](repeating: 9, count: 32))
    static let now: UInt64 = 1_800_000_000_000
    /// A record published a minute before `now`, and the name it is published under.
    static let seedRecord = DiscoveryRecord(fingerprint: responder.fingerprint, displayName: "Bob", status: .busy, published: now - 60_000)
    static let seedInstanceName = seedRecord.instanceName(team: team.subkeys)

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let data = Array(input.dropFirst())
        switch selector % 8 {
        case 0:
            // The frame decoder: plaintext frames after Noise decryption, the
            // link-control frames (rekey) and the padding around them.
            _ = try? FrameCodec.decode(data)
            _ = try? FrameCodec.decodeMessage(data)
            if let frame = try? FramePadding.unpad(data) {
                precondition(frame.count <= data.count - 2)
                _ = try? FrameCodec.decodeMessage(frame)
            }
        case 1:
            // The handshake message parser as a responder sees it: envelope,
            // admission (bound and unbound tags), then the replay cache with
            // whatever timestamp the message carries.
            if let (type, body) = try? Envelope.unwrap(data), type == .handshake1 {
                if let admitted = try? Envelope.admitFirst(
                    body, admit: team.subkeys.admit, responder: responder.fingerprint, nowMilliseconds: now)
                {
                    var cache = HandshakeReplayCache(capacity: 2, floorMilliseconds: now - 1)
                    _ = cache.insert(admitted.tag, timestamp: admitted.timestamp, nowMilliseconds: now)
                }
            }
            // What an initiator reads in place of message 2: a clock hint or a decoy.
            if let (type, body) = try? Envelope.unwrap(data), type == .clockHint {
                _ = ClockHint.read(body, answering: Array(data.prefix(74)), admit: team.subkeys.admit)
            }
        case 2:
            // Behind admission: Noise message 1 with a valid admission tag (bound
            // to the responder, or unbound, by the length's parity), so the
            // fuzzer reaches the Noise parser and the responder's state machine.
            let bound = data.count % 2 == 0 ? responder.fingerprint : nil
            let tag = Envelope.firstTag(data, timestamp: now, responder: bound, admit: team.subkeys.admit)
            var timestamp: [UInt8] = []
            for shift in stride(from: 56, through: 0, by: -8) { timestamp.append(UInt8(truncatingIfNeeded: now >> UInt64(shift))) }
            let message = Envelope.wrap(.handshake1, timestamp + tag + data)
            var session = SecureSession(initiator: false, identity: responder, team: team)
            if let (_, body) = try? Envelope.unwrap(message),
                let admitted = try? Envelope.admitFirst(body, admit: team.subkeys.admit, responder: responder.fingerprint, nowMilliseconds: now)
            {
                _ = try? session.respond(toAdmitted: admitted.noise, fullMessage: message)
                _ = try? session.receive(data)
            }
        case 3:
            // State datagrams: header, replay window, AEAD.
            var window = ReplayWindow()
            _ = try? DatagramCodec.receiverIndex(of: data)
            _ = try? DatagramCodec.open(data, key: SymmetricKey(data: [UInt8](repeating: 3, count: 32)), window: &window)
        case 4:
            // mDNS TXT records: strings split at NUL bytes.
            let strings = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            // The instance name is the record's own (the seed's), so the
            // fuzzer gets past the name check to the box and the plaintext.
            _ = try? DiscoveryRecord.decode(strings, instanceName: seedInstanceName, team: team.subkeys, nowMilliseconds: now)
            _ = try? DiscoveryRecord.decode(strings, instanceName: String(decoding: data.prefix(24), as: UTF8.self), team: team.subkeys, nowMilliseconds: now)
            _ = try? DiscoveryRecord.openForwarderEntry(Array(data), keyedFingerprint: seedRecord.sealedForForwarder(team: team.subkeys).keyedFingerprint, team: team.subkeys)
            _ = try? StaticPeer(parsing: String(decoding: data, as: UTF8.self))
        case 6:
            // What a forwarder reads from strangers and members: the hello
            // (admission), a control message's plaintext, a relay datagram,
            // and the forwarder code an admin pastes.
            _ = try? ForwarderHandshake.admit(data, key: team.subkeys.forwarder, nowMilliseconds: now)
            _ = try? ForwarderMessageCodec.decode(data)
            _ = RelayDatagram.relayIndex(of: data)
            _ = try? ForwarderCode.decode(String(decoding: data, as: UTF8.self))
        case 7:
            // avahi-browse's parsable output, which `natter doctor` reads: every
            // resolved line was published by someone on the LAN. Each record is
            // then judged as the doctor judges it (under its own instance name).
            let output = String(decoding: data, as: UTF8.self)
            let records = AvahiBrowseOutput.resolved(output)
            precondition(records.count <= output.split(separator: "\n").count)
            for record in records {
                _ = try? DiscoveryRecord.decode(record.txt, instanceName: record.instanceName, team: team.subkeys, nowMilliseconds: now)
            }
        default:
            // Terminal input, fed in two pieces split at the first byte's value.
            var decoder = KeyDecoder()
            let split = min(Int(data.first ?? 0), data.count)
            _ = decoder.feed(data[..<split])
            _ = decoder.feed(data[split...])
            _ = try? TeamCode.decode(String(decoding: data, as: UTF8.self))
            // A colleague's text on a terminal: no control character survives,
            // neutralising twice changes nothing, and wrapping it terminates.
            let text = String(decoding: data, as: UTF8.self)
            let shown = TerminalText.neutralised(text)
            precondition(!shown.unicodeScalars.contains(where: TerminalText.isUnsafe) && TerminalText.neutralised(shown) == shown)
            for line in TerminalText.neutralisedLines(text) {
                precondition(!line.unicodeScalars.contains(where: TerminalText.isUnsafe))
                _ = DisplayWidth.wrap(line, columns: 1 + Int(data.first ?? 0) % 80)
            }
        }
    }
}

extension FuzzTargets {
    /// One valid input per parser, so the fuzzer starts past the trivial
    /// rejections (`make fuzz` writes them to its corpus before each run).
    static func seeds() throws -> [String: [UInt8]] {
        let frames: [Frame] = [
            .hello(sequence: 0, name: "Alice 张", udpPort: 47_002, datagramIndex: 7),
            .chat(sequence: 1, id: MessageID(bytes: [UInt8](repeating: 1, count: 16))!, sentAt: now, text: "hello 你好 👋"),
            .state(sequence: 2, state: .typing, source: 1), .ack(sequence: 0, id: MessageID(bytes: [UInt8](repeating: 1, count: 16))!),
            .keepalive(sequence: 0), .goodbye(sequence: 0),
        ]
        var seeds: [String: [UInt8]] = [:]
        for (index, frame) in frames.enumerated() { seeds["frame-\(index)"] = [0] + FrameCodec.encode(frame) }
        seeds["frame-rekey"] = [0] + FrameCodec.encode(.rekey(ephemeral: [UInt8](repeating: 5, count: 32), datagramIndex: 9))
        seeds["frame-rekey-done"] = [0] + FrameCodec.encode(.rekeyDone)
        seeds["frame-padded"] = [0] + FramePadding.pad(FrameCodec.encode(frames[1]))
        var initiator = SecureSession(initiator: true, identity: DeviceIdentity(), team: team)
        let first = try initiator.start(nowMilliseconds: now)
        seeds["handshake1"] = [1] + first
        var bound = SecureSession(initiator: true, identity: DeviceIdentity(), team: team, responder: responder.fingerprint)
        seeds["handshake1-bound"] = [1] + (try bound.start(nowMilliseconds: now))
        seeds["noise1"] = [2] + Array(first.dropFirst(2 + 8 + 16))
        seeds["datagram"] = [3] + DatagramCodec.seal(
            .state(sequence: 3, state: .typing, source: 1), receiverIndex: 9, counter: 0, key: SymmetricKey(data: [UInt8](repeating: 3, count: 32)))
        let record = seedRecord
        seeds["txt"] = [4] + Array(record.encode(team: team.subkeys).joined(separator: "\0").utf8)
        seeds["keys"] = [5, 3] + Array("ab\u{1B}[I\u{1B}[O\u{1B}[1;5C张\r".utf8)
        seeds["colleague-text"] = [5, 9] + Array("\u{1B}]0;pwned\u{07}\u{1B}[2J\rforged\u{9B}\u{202E}\r\nok\t你好👋".utf8)
        seeds["forwarder-hello"] = [6] + ForwarderClientHandshake(key: team.subkeys.forwarder, nowMilliseconds: now).hello
        let (keyed, sealed) = record.sealedForForwarder(team: team.subkeys)
        seeds["forwarder-entry"] = [6] + ForwarderMessageCodec.encode(
            .peer(DirectoryEntry(keyedFingerprint: keyed, addresses: ["10.231.1.11"], tcpPort: 7300, udpPort: 7301, sealedRecord: sealed)))
        let txt = record.encode(team: team.subkeys).map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        seeds["avahi-browse"] = [7] + Array((
            "+;eth0;IPv4;\(seedInstanceName);_natter._tcp;local\n"
            + "=;eth0;IPv4;\(seedInstanceName.replacingOccurrences(of: " ", with: "\\032"));_natter._tcp;local;bob.local;10.231.0.12;41231;\(txt.joined(separator: " "))\n"
            + "=;eth0;IPv6;natter\\032x\\.y;_natter._tcp;local;m.local;fe80::1;7;\"v=2\" \"t=\\059\"\n").utf8)
        return seeds
    }
}

#if NATTER_FUZZ
/// libFuzzer's driver, from the runtime `-sanitize=fuzzer` links in.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable target with its entry point renamed to
/// `<target>_main`; libFuzzer's own `main` is not used, so this one starts
/// libFuzzer's driver with the fuzz callback.
@_cdecl("natter_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { start, length in
        FuzzTargets.run(start.map { Array(UnsafeBufferPointer(start: $0, count: length)) } ?? [])
        return 0
    }
}
#else
/// Without the fuzzer: replays saved inputs (a corpus or a crash file) through
/// the same parsers, so a finding can be reproduced and debugged in a normal build.
@main
struct ReplayCorpus {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        if paths.first == "--write-seeds", let directory = paths.dropFirst().first {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for (name, bytes) in try FuzzTargets.seeds() {
                    _ = FileManager.default.createFile(atPath: directory + "/seed-" + name, contents: Data(bytes))
                }
            } catch {
                print("could not write the seeds: \(error)")
                exit(1)
            }
            return
        }
        guard !paths.isEmpty else {
            print("usage: natter-fuzz FILE|DIRECTORY...  (replays inputs; `make fuzz` runs the fuzzer itself)")
            return
        }
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzTargets.run(Array(data))
                count += 1
            }
        }
        print("replayed \(count) inputs without a crash")
    }
}
#endif
