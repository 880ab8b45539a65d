import Glibc
import Synchronization

/// The X server's idle time (the XScreenSaver extension: milliseconds since
/// the last keyboard or pointer input to the display), read with Debian's
/// `xprintidle`, when `DISPLAY` names a display.
///
/// A tool rather than linking libXss: natter's package would otherwise pull
/// X11 libraries onto every machine, headless ones included, for one call
/// made every few seconds at most; without `xprintidle` (or without a
/// display) the source is simply not offered.
///
/// Some X servers (Xvfb 21.1 here, measured) restart the idle counter when a
/// client connects, so each look would reset what the next one measures and
/// the user would never be away. ``lastInput(reported:previousLook:known:)``
/// therefore reads an "input" no later than our own previous look as no
/// input since then.
final class XScreenSaverIdleSource: IdleSource {
    let name = "x11"
    let kind = IdleSourceKind.display
    let reportsLocks = false
    let tool: String
    /// Wall-clock seconds: when the previous look returned, and the last input it established.
    private let previous = Mutex<(look: Double, lastInput: Double)?>(nil)

    /// How close after our own previous look (the moment its tool had
    /// exited) an input may be and still count as the reset that look
    /// caused. Xvfb restarts the counter for any client, and handles our
    /// tool's disconnect whenever it next runs: on a loaded machine (lab
    /// tests, load 14 on 2 CPUs) that was up to 0.8 s after the tool exited,
    /// and with the former 50 ms every look read as fresh input, so the user
    /// was never away. Input this soon after a look is missed until the
    /// next input; looks come seconds apart, and a person at the display
    /// makes more than one.
    static let ownResetTolerance = 2.0

    /// Offered when `DISPLAY` is set and `xprintidle` is installed.
    init?(environment: [String: String]) {
        guard let display = environment["DISPLAY"], !display.isEmpty,
            let tool = IdleTool.find(["/usr/bin/xprintidle", "/usr/local/bin/xprintidle"])
        else { return nil }
        self.tool = tool
    }

    func look() async -> IdleObservation? {
        let started = Self.wallSeconds()
        guard let output = await IdleTool.output(of: [tool]),
            let word = output.split(whereSeparator: \.isWhitespace).first, let milliseconds = Int64(word)
        else { return nil }
        let now = Self.wallSeconds()
        let lastInput = previous.withLock { previous in
            let reported = Self.inputInstant(idleMilliseconds: milliseconds, lookStarted: started)
            let input = Self.lastInput(reported: reported, previousLook: previous?.look, known: previous?.lastInput)
            previous = (now, input)
            return input
        }
        return .idle(for: .milliseconds(Int64(max(0, now - lastInput) * 1000)))
    }

    /// The instant of the input the server reported `idleMilliseconds` before
    /// its answer, placed as early as it can have been: the server answered
    /// after `lookStarted`. Reading the clock after the tool exits instead
    /// added the tool's exit and our scheduling to every answer — on a busy
    /// machine hundreds of milliseconds — and our own look's reset then came
    /// out later than ``ownResetTolerance`` after the previous look, so each
    /// look read as input and the user was never away.
    static func inputInstant(idleMilliseconds: Int64, lookStarted: Double) -> Double {
        lookStarted - Double(idleMilliseconds) / 1000
    }

    /// The last input, given what the server reported (`reported`, wall
    /// seconds) and what the previous look established: a reported input
    /// at or before that look (within ``ownResetTolerance``) is the reset the
    /// look itself caused, or input already known — so the known one stands.
    static func lastInput(reported: Double, previousLook: Double?, known: Double?) -> Double {
        guard let previousLook, let known, reported <= previousLook + ownResetTolerance else { return reported }
        return min(known, reported)
    }

    private static func wallSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
