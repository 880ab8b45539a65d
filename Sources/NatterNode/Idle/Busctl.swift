import Glibc

/// D-Bus through the system's own tool, systemd's `busctl`, rather than a
/// D-Bus wire implementation of our own: the idle sources make one or two
/// calls every few seconds at most, and `busctl` is on every systemd system.
/// Nothing is ever auto-started (`--auto-start=no`): a service that is not
/// running is a source this session does not offer.
struct Busctl: Sendable {
    enum Bus: Sendable {
        case system
        /// The user's session bus.
        case user
    }

    let tool: String
    let bus: Bus

    /// Nil when `busctl` is not installed, or (for the session bus) when no
    /// session bus is evident: `DBUS_SESSION_BUS_ADDRESS` unset and no
    /// `$XDG_RUNTIME_DIR/bus`.
    init?(bus: Bus, environment: [String: String]) {
        guard let tool = IdleTool.find(["/usr/bin/busctl", "/bin/busctl"]) else { return nil }
        if bus == .user {
            let address = environment["DBUS_SESSION_BUS_ADDRESS"] ?? ""
            let runtime = environment["XDG_RUNTIME_DIR"] ?? ""
            guard !address.isEmpty || (!runtime.isEmpty && access(runtime + "/bus", F_OK) == 0) else { return nil }
        }
        self.tool = tool
        self.bus = bus
    }

    /// `busctl call`: the reply's values, or nil on any failure.
    func call(_ service: String, _ object: String, _ interface: String, _ method: String) async -> [BusValue]? {
        await run(["call", service, object, interface, method]).flatMap { BusValue.parse(reply: $0) }
    }

    /// `busctl get-property` of several properties: one value each, in order.
    func properties(_ service: String, _ object: String, _ interface: String, _ names: [String]) async -> [BusValue]? {
        guard let output = await run(["get-property", service, object, interface] + names) else { return nil }
        let values = output.split(separator: "\n").compactMap { BusValue.parse(reply: String($0))?.first }
        return values.count == names.count ? values : nil
    }

    private func run(_ arguments: [String]) async -> String? {
        let timeout = "--timeout=\(NodeConstants.idleToolTimeout.components.seconds)"
        return await IdleTool.output(of: [tool, bus == .system ? "--system" : "--user", "--auto-start=no", timeout] + arguments)
    }
}

/// One value of a `busctl` reply, as it prints them: a signature, then the
/// values (`t 12345`, `b true`, `(so) "2" "/org/freedesktop/login1/session/_32"`).
enum BusValue: Sendable, Equatable {
    case boolean(Bool)
    case unsigned(UInt64)
    case text(String)

    /// The values of one reply line: a basic type (`b`, `u`, `t`, `s`, `o`)
    /// or a struct of them; nil for anything else.
    static func parse(reply: String) -> [BusValue]? {
        var words = Substring(reply.trimmingSpaces).split(separator: " ", maxSplits: 1).makeIterator()
        guard let signature = words.next() else { return nil }
        let rest = words.next().map(String.init) ?? ""
        let types = signature.filter { $0 != "(" && $0 != ")" }
        let tokens = tokenize(rest)
        guard tokens.count == types.count, !types.isEmpty else { return nil }
        var values: [BusValue] = []
        for (type, token) in zip(types, tokens) {
            switch type {
            case "b": values.append(.boolean(token == "true"))
            case "u", "t":
                guard let number = UInt64(token) else { return nil }
                values.append(.unsigned(number))
            case "s", "o": values.append(.text(token))
            default: return nil
            }
        }
        return values
    }

    /// Words separated by spaces; a double-quoted word may hold spaces and `\"`.
    private static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var inToken = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                inToken = true
            } else if character == " " && !quoted {
                if inToken { tokens.append(current) }
                current = ""
                inToken = false
            } else {
                current.append(character)
                inToken = true
            }
        }
        if inToken { tokens.append(current) }
        return tokens
    }

    var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
    var unsigned: UInt64? { if case .unsigned(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}
