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

/// Waits until the other end of `descriptor` hangs up (it may send an answer
/// first, which is left unread), or `limit` passes: true when it hung up.
func hangsUp(_ descriptor: Int32, within limit: Duration) -> Bool {
    let peerHungUp: Int16 = 0x2000  // POLLRDHUP, which Glibc's module leaves out (a _GNU_SOURCE name)
    var entry = pollfd(fd: descriptor, events: peerHungUp, revents: 0)
    let milliseconds = Int32(limit.components.seconds * 1_000 + limit.components.attoseconds / 1_000_000_000_000_000)
    return poll(&entry, 1, milliseconds) == 1 && entry.revents & (peerHungUp | Int16(POLLHUP)) != 0
}
