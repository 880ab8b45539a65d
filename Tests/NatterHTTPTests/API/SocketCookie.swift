import Foundation

/// The kernel's unique id of the socket behind `descriptor` (SO_COOKIE, Linux
/// 4.12+): equal cookies mean the same connection, even if a descriptor
/// number was reused.
func socketCookie(_ descriptor: Int32?) -> UInt64? {
    guard let descriptor else { return nil }
    var value: UInt64 = 0
    var length = socklen_t(MemoryLayout<UInt64>.size)
    let soCookie: Int32 = 57
    return getsockopt(descriptor, SOL_SOCKET, soCookie, &value, &length) == 0 ? value : nil
}
