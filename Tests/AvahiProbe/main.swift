// natter-avahi-probe: runs NatterDiscovery's forwarder publication or
// browser inside a lab host, for the lab tests (the forwarder executable and
// the daemon have their own; this probe tests the discovery layer alone).
//
//   natter-avahi-probe publish KEYBYTE PORT SECONDS   publishes _natter-fwd._tcp for the key [KEYBYTE] * 32
//   natter-avahi-probe browse KEYBYTE SECONDS         prints "found NAME HOST PORT" / "lost NAME", then "rejected N"
//
// Output lines are flushed at once: the tests read them while it runs.
import Foundation
import Logging
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
    fail("usage: publish KEYBYTE PORT SECONDS | browse KEYBYTE SECONDS")
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
default:
    fail("unknown mode \(arguments[0])")
}
