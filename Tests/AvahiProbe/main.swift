// natter-avahi-probe: runs NatterDiscovery's forwarder publication or
// browser inside a lab host, for the lab tests (the forwarder executable and
// the daemon have their own; this probe tests the discovery layer alone).
//
//   natter-avahi-probe publish KEYBYTE PORT SECONDS   publishes _natter-fwd._tcp for the key [KEYBYTE] * 32
//   natter-avahi-probe browse KEYBYTE SECONDS         prints "found NAME HOST PORT" / "lost NAME", then "rejected N"
//   natter-avahi-probe peer KEYBYTE START_MS SECONDS  a natter peer's record (team key [KEYBYTE] * 32, a new device key),
//                                                    on a clock that reads START_MS now and runs at real speed: prints
//                                                    "me FP", "name INSTANCE" when it changes, "appeared FP NAME" /
//                                                    "updated FP NAME" / "disappeared FP", then "rejected N"
//
// Output lines are flushed at once: the tests read them while it runs.
import Foundation
import Logging
import NatterCore
import NatterDiscovery
import NatterWire

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("natter-avahi-probe: " + message + "\n").utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, let keyByte = UInt8(arguments[1]), let seconds = Int(arguments.last!), (1...120).contains(seconds) else {
    fail("usage: publish KEYBYTE PORT SECONDS | browse KEYBYTE SECONDS | peer KEYBYTE START_MS SECONDS")
}
let key = try ForwarderKey(bytes: Array(repeating: keyByte, count: ForwarderKey.byteCount))
var logger = Logger(label: "probe")
logger.logLevel = .debug

switch arguments[0] {
case "publish":
    guard arguments.count == 4, let port = UInt16(arguments[2]) else { fail("publish KEYBYTE PORT SECONDS") }
    let service = AvahiService(publication: ForwarderRecord.publication(port: port, key: key), browseType: nil, logger: logger)
    service.onRegistered = { say("registered \(key.forwarderTag)") }
    try service.start()
    try await Task.sleep(for: .seconds(seconds))
    service.stop()
case "browse":
    guard arguments.count == 3 else { fail("browse KEYBYTE SECONDS") }
    let browser = ForwarderBrowser(tag: key.forwarderTag, logger: logger)
    try browser.start()
    say("browsing \(key.forwarderTag)")
    let stopper = Task {
        try? await Task.sleep(for: .seconds(seconds))
        browser.stop()
    }
    for await event in browser.events {
        switch event {
        case .found(let endpoint): say("found \(endpoint.instanceName) \(endpoint.host) \(endpoint.port)")
        case .lost(let name): say("lost \(name)")
        }
    }
    await stopper.value
    say("rejected \(browser.rejectedRecords)")
case "peer":
    // The epoch rotation without waiting for midnight: the test starts the clock seconds before it.
    guard arguments.count == 4, let start = UInt64(arguments[2]) else { fail("peer KEYBYTE START_MS SECONDS") }
    let team = try TeamKey(bytes: Array(repeating: keyByte, count: TeamKey.byteCount))
    let identity = DeviceIdentity()
    let began = ContinuousClock.now
    let now: @Sendable () -> UInt64 = {
        let elapsed = ContinuousClock.now - began
        return start + UInt64(elapsed.components.seconds) * 1000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
    let discovery = AvahiDiscovery(
        team: team, fingerprint: identity.fingerprint, displayName: "probe", status: .available, tcpPort: 7300, logger: logger, now: now)
    say("me \(identity.fingerprint.compact)")
    let names = Task {
        var last = ""
        while !Task.isCancelled {
            if let name = discovery.instanceName, name != last {
                say("name \(name)")
                last = name
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
    let stopper = Task {
        try? await Task.sleep(for: .seconds(seconds))
        names.cancel()
    }
    let run = Task {
        try await discovery.run { event in
            switch event {
            case .appeared(let peer): say("appeared \(peer.fingerprint?.compact ?? "-") \(peer.addresses.first ?? "-")")
            case .updated(let peer): say("updated \(peer.fingerprint?.compact ?? "-") \(peer.addresses.first ?? "-")")
            case .disappeared(let key):
                if case .device(let fingerprint) = key { say("disappeared \(fingerprint.compact)") }
            }
        }
    }
    await stopper.value
    run.cancel()
    _ = await run.result
    say("rejected \(discovery.rejectedRecords)")
default:
    fail("unknown mode \(arguments[0])")
}
