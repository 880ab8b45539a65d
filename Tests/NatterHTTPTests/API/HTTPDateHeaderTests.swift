@testable import NatterHTTP
import Testing

/// The `Date` header formatted on demand instead of by a task woken every
/// second (issue 15, goal 4): RFC 9110's IMF-fixdate, once per second.
@Suite("HTTPDateHeader: the Date header without a timer")
struct HTTPDateHeaderTests {
    @Test func formatsIMFFixdate() {
        // RFC 9110 §5.6.7's own example.
        #expect(HTTPDateHeader.format(unixSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDateHeader.format(unixSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        // A leap day, two-digit fields at their largest.
        #expect(HTTPDateHeader.format(unixSeconds: 1_709_251_199) == "Thu, 29 Feb 2024 23:59:59 GMT")
        #expect(HTTPDateHeader.format(unixSeconds: 1_798_761_599) == "Thu, 31 Dec 2026 23:59:59 GMT")
    }

    @Test func formatsOncePerSecond() {
        var header = HTTPDateHeader()
        let first = header.value(atUnixSeconds: 784_111_777)
        #expect(first == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(header.value(atUnixSeconds: 784_111_777) == first, "the same second: the same text")
        #expect(header.value(atUnixSeconds: 784_111_778) == "Sun, 06 Nov 1994 08:49:38 GMT", "a new second: formatted again")
        #expect(header.value(atUnixSeconds: 784_111_777) == first, "a clock set back is followed too")
    }
}
