import Foundation
import NatterAPI

/// A command's failure: printed as one sentence by ArgumentParser, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Prints `value` as one line of JSON, in the API's own dialect.
func printJSON(_ value: some Encodable) throws {
    print(try APIJSON.line(value))
}

/// Writes one line at once, unbuffered: watchers are usually pipes (scripts, tests).
func writeLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
