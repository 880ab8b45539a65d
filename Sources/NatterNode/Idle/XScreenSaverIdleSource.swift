/// The X server's idle time (the XScreenSaver extension: milliseconds since
/// the last keyboard or pointer input to the display), read with Debian's
/// `xprintidle`, when `DISPLAY` names a display.
///
/// A tool rather than linking libXss: natter's package would otherwise pull
/// X11 libraries onto every machine, headless ones included, for one call
/// made every few seconds at most; without `xprintidle` (or without a
/// display) the source is simply not offered.
struct XScreenSaverIdleSource: IdleSource {
    let name = "x11"
    let kind = IdleSourceKind.display
    let reportsLocks = false
    let tool: String

    /// Offered when `DISPLAY` is set and `xprintidle` is installed.
    init?(environment: [String: String]) {
        guard let display = environment["DISPLAY"], !display.isEmpty,
            let tool = IdleTool.find(["/usr/bin/xprintidle", "/usr/local/bin/xprintidle"])
        else { return nil }
        self.tool = tool
    }

    func look() async -> IdleObservation? {
        guard let output = await IdleTool.output(of: [tool]),
            let word = output.split(whereSeparator: \.isWhitespace).first, let milliseconds = Int64(word)
        else { return nil }
        return .idle(for: .milliseconds(milliseconds))
    }
}
