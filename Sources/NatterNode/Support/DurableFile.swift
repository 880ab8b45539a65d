import Foundation

/// Replaces a small file so that after a crash or power cut it holds either
/// the old or the new content, never a mix or nothing: write a temporary file,
/// `fsync` it, `rename` it over the target, then `fsync` the directory so the
/// rename itself is on disk (rename(2) alone is atomic but not durable).
enum DurableFile {
    static func replace(_ path: String, with bytes: [UInt8], permissions: mode_t = 0o600) throws(DurableFileError) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw .failed(path, step: "create", errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw .failed(path, step: "write", errno: code)
            }
            offset += written
        }
        fchmod(descriptor, permissions)
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw .failed(path, step: "flush", errno: code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw .failed(path, step: "rename", errno: code)
        }
        try syncDirectory(of: path)
    }

    /// Makes a rename or a new file in `path`'s directory durable.
    static func syncDirectory(of path: String) throws(DurableFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .failed(path, step: "open the directory of", errno: errno) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw .failed(path, step: "flush the directory of", errno: errno) }
    }
}

/// A file that could not be saved; the user must hear about it.
struct DurableFileError: Error, CustomStringConvertible, Equatable {
    let path: String
    let step: String
    let reason: String

    static func failed(_ path: String, step: String, errno code: Int32) -> DurableFileError {
        DurableFileError(path: path, step: step, reason: String(cString: strerror(code)))
    }

    var description: String {
        "could not \(step) \(path): \(reason); check that the data directory is writable and the disk is not full"
    }
}
