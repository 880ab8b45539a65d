/// avahi-browse's parsable output (`avahi-browse -p -r`) read into its
/// resolved records (pure). Everything in it was published by someone on the
/// LAN, strangers included, so it is fuzzed (`Tests/Fuzz`, selector 7);
/// `natter doctor` judges the records (NatterNode's `AvahiBrowseListing`).
public enum AvahiBrowseOutput {
    /// One resolved line: `=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT`.
    public struct Resolved: Sendable, Equatable {
        public var interface: String
        public var instanceName: String
        public var address: String
        public var port: Int
        public var txt: [String]
    }

    /// Every well-formed resolved line; anything else (`+` and `-` lines,
    /// errors, damaged lines) is skipped.
    public static func resolved(_ output: String) -> [Resolved] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ";", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 10, fields[0] == "=", let port = Int(fields[8]) else { return nil }
            return Resolved(interface: fields[1], instanceName: unescaped(fields[3]), address: fields[7], port: port, txt: txtStrings(fields[9]))
        }
    }

    /// `"a=b" "c=d"`: each string quoted, `\"` and `\\` escaped, `\DDD` a decimal byte.
    public static func txtStrings(_ field: String) -> [String] {
        var strings: [String] = []
        var current: [UInt8]?
        var bytes = Array(field.utf8)[...]
        while let byte = bytes.popFirst() {
            switch (byte, current) {
            case (UInt8(ascii: "\""), nil):
                current = []
            case (UInt8(ascii: "\""), let text?):
                strings.append(String(decoding: text, as: UTF8.self))
                current = nil
            case (UInt8(ascii: "\\"), .some):
                let digits = bytes.prefix(3)
                if digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                    let value = UInt8(String(decoding: digits, as: UTF8.self)) {
                    current?.append(value)
                    bytes = bytes.dropFirst(3)
                } else if let next = bytes.popFirst() {
                    current?.append(next)
                }
            case (_, .some):
                current?.append(byte)
            default:
                continue
            }
        }
        return strings
    }

    /// avahi escapes a service name's dots, backslashes and non-printables (`\.`, `\\`, `\032`).
    public static func unescaped(_ name: String) -> String {
        txtStrings("\"" + name + "\"").first ?? name
    }
}
