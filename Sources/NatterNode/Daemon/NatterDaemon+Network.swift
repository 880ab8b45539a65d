import Logging
import NatterCore

extension NatterDaemon {
    /// Asks ``NetworkWatch`` whether this machine slept or its addresses
    /// changed since the last maintenance round, and acts on the answer:
    /// dead links are dropped (the colleagues go offline here, their states
    /// clear), and everyone without a link is dialled at once. The new links
    /// replace the old on the colleagues' side (`LinkTable.established`), and
    /// the outbox and this user's states go out as each comes up.
    ///
    /// A link from an address this machine does not have now is dropped at
    /// every round, not only when the watch saw that address go: an address
    /// that came and went between two rounds (a move and a move back within
    /// 2 s) leaves links behind that no diff of two readings shows.
    func watchNetwork() {
        guard let network else { return }
        let now = clock.now
        let addresses = network.addresses()
        let changes = networkWatch.round(at: now, interval: maintenanceDelay, addresses: addresses)
        maintenanceDelay = networkWatch.nextInterval(at: now)
        var resumed = false
        for change in changes {
            switch change {
            case .resumed(let gap):
                logger.notice("resumed after \(gap.wholeMilliseconds / 1000) s asleep; linking again")
                resumed = true
            case .addressesLost(let lost):
                logger.notice("this machine lost addresses; linking again", metadata: ["addresses": "\(lost.sorted().joined(separator: ", "))"])
            case .addressesGained(let gained):
                logger.info("this machine has new addresses; dialling colleagues", metadata: ["addresses": "\(gained.sorted().joined(separator: ", "))"])
            }
        }
        let dropped = links.dropLinks(unlessFrom: resumed ? nil : addresses)
        for peer in dropped { handle(.down(peer)) }
        if !changes.isEmpty || !dropped.isEmpty { dialling.rejoin(at: now) }
    }
}
