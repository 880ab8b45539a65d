import Logging
import NatterAPI
import NatterCore

extension NatterDaemon {
    /// `natter trust NAME` while the daemon runs: pins the key last refused
    /// for NAME and makes that device the colleague (history, overrides and
    /// the name move over), so NAME stays one colleague, never two.
    func trust(_ name: String) throws(APIFailure) -> TrustView {
        let change: PinStore.Change
        do {
            change = try DeviceTrust.trustRefused(name: name, pins: pins, store: store)
        } catch {
            throw APIFailure(error)
        }
        directory.replace(change.previous, with: change.trusted)
        logger.notice("now trusting \(name)'s device \(change.trusted) (was \(change.previous))")
        return TrustView(name: change.name, previous: change.previous.compact, trusted: change.trusted.compact)
    }
}
