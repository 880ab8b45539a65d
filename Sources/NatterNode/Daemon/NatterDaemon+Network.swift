import Logging
import NatterCore

extension NatterDaemon {
    /// Asks ``NetworkWatch`` whether this machine slept or its addresses
    /// changed since the last maintenance round, and acts on the answer:
    /// dead links are dropped (the colleagues go offline here, their states
    /// clear), and everyone without a link is dialled at once. The new links
    /// replace the old on the colleagues' side (`LinkTable.established`), and
    /// the outbox and this user's states go out as each comes up.
    func watchNetwork() {
        guard let network else { return }
        let now = clock.now
        let changes = networkWatch.round(at: now, interval: NodeConstants.maintenanceInterval, addresses: network.addresses())
        for change in changes {
            switch change {
            case .resumed(let gap):
                logger.notice("resumed after \(gap.wholeMilliseconds / 1000) s asleep; linking again")
                dropLinks(from: nil)
            case .addressesLost(let lost):
                logger.notice("this machine lost addresses; linking again", metadata: ["addresses": "\(lost.sorted().joined(separator: ", "))"])
                dropLinks(from: lost)
            case .addressesGained(let gained):
                logger.info("this machine has new addresses; dialling colleagues", metadata: ["addresses": "\(gained.sorted().joined(separator: ", "))"])
            }
        }
        if !changes.isEmpty { dialling.rejoin(at: now) }
    }

    private func dropLinks(from addresses: Set<String>?) {
        for peer in links.dropLinks(from: addresses) { handle(.down(peer)) }
    }
}
