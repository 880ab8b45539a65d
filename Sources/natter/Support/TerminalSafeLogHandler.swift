import Logging
import NatterTerminal

/// A log handler that neutralises control characters (`TerminalText`) in every
/// message and metadata value before the wrapped handler writes it.
///
/// `natter up` logs to standard error, often a terminal, and its lines quote
/// what colleagues claim: display names in hello frames and mDNS records
/// ("REFUSED: \"…\" presented a different device key"). A claimed name must
/// not set the terminal's title or rewrite earlier log lines.
struct TerminalSafeLogHandler: LogHandler {
    private var wrapped: any LogHandler

    init(wrapping handler: any LogHandler) {
        wrapped = handler
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue.mapValues(Self.neutralised) }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map(Self.neutralised) }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: TerminalText.neutralised(event.message.description))
        event.metadata = event.metadata?.mapValues(Self.neutralised)
        wrapped.log(event: event)
    }

    static func neutralised(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(TerminalText.neutralised(text))
        case .stringConvertible(let convertible): .string(TerminalText.neutralised(convertible.description))
        case .array(let values): .array(values.map(neutralised))
        case .dictionary(let values): .dictionary(values.mapValues(neutralised))
        }
    }
}
