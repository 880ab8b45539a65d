import ArgumentParser

/// The measuring half of `make bench` (scripts/bench orchestrates the lab and
/// writes Docs/benchmarks.md). Every figure printed is a measurement of this
/// run; each line is one JSON object.
@main
struct NatterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "natter-bench",
        abstract: "Measurements for make bench: raw baselines, state-event and delivery latency, throughput, discovery, idle cost.",
        subcommands: [
            UDPEcho.self, UDPPing.self, TCPEcho.self, TCPPing.self, StateLatency.self, SignalRoundTrip.self, DeliveryLatency.self, Throughput.self,
            TimeUntilOnline.self, TimeUntilOutput.self, WaitMesh.self, IdleCost.self, ForwarderRate.self, ForwarderEcho.self,
            ForwarderPing.self, ForwarderPeers.self, Burst.self, CatchUp.self, CommandTime.self, ProcessMemory.self, ForwarderCodeCommand.self, HandshakeLink.self, HandshakeFlood.self,
            GroupDelivery.self, DiskSync.self, FanOutMember.self, FanOutSend.self,
        ])
}
