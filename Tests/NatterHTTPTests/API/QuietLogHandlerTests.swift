import Logging
@testable import NatterHTTP
import Synchronization
import Testing

/// Hummingbird's logger: critical lines only, and the metadata it sets for
/// every request never reaches (and is never formatted by) natter's handler
/// until a line is written.
@Suite("Quiet log handler for Hummingbird")
struct QuietLogHandlerTests {
    final class Counting: Sendable {
        let metadataChanges = Atomic<Int>(0)
        let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])
    }

    struct CountingHandler: LogHandler {
        let counting: Counting
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:] {
            didSet { counting.metadataChanges.add(1, ordering: .relaxed) }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            counting.lines.withLock { $0.append((event.level, event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test func onlyCriticalLinesPassAndPerRequestMetadataIsNotFormattedOnTheWay() {
        let counting = Counting()
        let natters = Logger(label: "natter") { _ in CountingHandler(counting: counting) }
        let quiet = APIChildChannel.quiet(natters)
        for request in 0..<100 {
            var perRequest = quiet
            perRequest[metadataKey: "hb.request.id"] = "\(request)"
            perRequest.info("request \(request)")
            perRequest.error("cancelled accept loop")
        }
        #expect(counting.metadataChanges.load(ordering: .relaxed) == 0, "natter's handler saw no metadata change")
        #expect(counting.lines.withLock { $0.isEmpty })

        var last = quiet
        last[metadataKey: "hb.request.id"] = "7"
        last.critical("the server could not bind", metadata: ["port": "21000"])
        let lines = counting.lines.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.0 == .critical && lines.first?.1 == "the server could not bind")
        #expect(lines.first?.2 == ["hb.request.id": "7", "port": "21000"])
    }
}
