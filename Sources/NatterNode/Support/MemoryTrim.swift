import Foundation

/// glibc's `malloc_trim(0)`: returns the free memory of every malloc arena
/// to the system. Swift's Glibc module does not declare it, so it is looked
/// up once by name; where it does not exist (another libc) this does nothing.
public enum MemoryTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }

    public static func giveBackFreeMemory() {
        _ = trim?(0)
    }
}
