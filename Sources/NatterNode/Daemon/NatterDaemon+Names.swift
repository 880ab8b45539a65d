import Foundation
import Logging
import NatterAPI
import NatterCore
import NatterDiscovery

/// Names are claims, fingerprints are identities: who may hold a name, what
/// a device refused for one looks like, and forgetting a device.
extension NatterDaemon {
    /// Trust on first use, decided here rather than on an event loop, for
    /// every hello (a replacement link's too): the first device seen under a
    /// name is pinned; another key under that name, or any key under this
    /// user's own name, is refused — reported once, then counted — until the
    /// user runs `natter trust NAME` or `natter forget PEER`.
    /// - Returns: whether the link may be used.
    func admit(_ peer: DeviceFingerprint, claiming name: String) -> Bool {
        let verdict = pins.check(name: name, fingerprint: peer, ownName: config.displayName)
        directory.refresh(pins: pins.table)
        switch verdict {
        case .known:
            return true
        case .firstContact:
            logger.info("pinned \(name)'s device key on first contact", metadata: ["fingerprint": "\(peer)"])
            return true
        case .conflict, .ownName:
            directory.refused(peer, claiming: name)
            remember(peer)
            reportConflict(of: peer, source: "in its hello")
            links.disconnect(peer)
            return false
        case .unpinnableName:
            logger.warning("refused a link whose name cannot be shown or pinned (empty or with control characters)", metadata: ["fingerprint": "\(peer)"])
            links.disconnect(peer)
            return false
        case .failed(let error):
            // A pin that cannot be saved would be forgotten at restart and the
            // next key under this name trusted silently: refuse instead.
            logger.error("refused \(name)'s link because \(error)", metadata: ["fingerprint": "\(peer)"])
            links.disconnect(peer)
            return false
        }
    }

    /// A device claims a name it may not have (a refused hello, or a name
    /// from discovery checked against the pins): one `critical` line and one
    /// `conflict` event the first time in this run, then a count.
    func reportConflict(of peer: DeviceFingerprint, source: String) {
        guard let conflict = directory.conflict(for: peer) else { return }
        let key = ConflictReports.Key(name: conflict.name, claimant: peer)
        switch conflictReports.met(key, at: clock.now) {
        case .first(let withheld):
            let holder = conflict.isOwnName ? "This is your own name; your key: \(conflict.holder)" : "Pinned: \(conflict.holder)"
            let others = withheld == 0 ? "" : " (And \(withheld) other devices claimed names they may not have, without a line of their own: see natter peers.)"
            logger.critical(
                "REFUSED: \"\(conflict.name)\" presented a different device key (\(source)). \(holder). Presented: \(peer). \(Self.advice(for: conflict))\(others)")
            events.publish(.conflict(conflictView(conflict)))
        case .summary(let count, let since):
            logger.warning(
                "still refusing \"\(conflict.name)\" from \(peer): \(count) more times in the last \(since.wholeMilliseconds / 60_000) min; see natter peers")
        case .quiet:
            logger.debug("refused \"\(conflict.name)\" again", metadata: ["fingerprint": "\(peer)", "source": "\(source)"])
        }
    }

    /// What the user can do about `conflict`, in one sentence.
    static func advice(for conflict: ColleagueDirectory.Conflict) -> String {
        let commands = conflict.commands
        if conflict.trustable, commands.count == 2 {
            return "If \(conflict.name) really has a new device, compare fingerprints in person, then run: \(commands[0]); if not, run: \(commands[1])"
        }
        return "A colleague's device cannot take this name; to drop this device from natter peers, run: \(commands.joined(separator: "; "))"
    }

    func conflictView(_ conflict: ColleagueDirectory.Conflict) -> ConflictView {
        ConflictView(
            name: conflict.name, fingerprint: conflict.claimant.compact, fingerprintGroups: conflict.claimant.description,
            pinned: conflict.holder.compact, pinnedGroups: conflict.holder.description, ownName: conflict.isOwnName,
            refusals: conflictReports.count(ConflictReports.Key(name: conflict.name, claimant: conflict.claimant)),
            resolve: conflict.commands)
    }

    /// Every device refused for a name (`GET /v1/conflicts`).
    func conflictViews() -> [ConflictView] {
        directory.refresh(pins: pins.table)
        return directory.conflicts.map(conflictView)
    }

    /// `natter forget PEER`: the device's pins, refusals, remembered name and
    /// sharing override go, and its link if it has one; its messages stay
    /// unless `history` (they come back with it if the same device is pinned
    /// again). A device that announces itself again is a stranger again:
    /// pinned on first contact if its name is free, else a conflict.
    func forget(_ query: String, history: Bool) throws(APIFailure) -> ForgetView {
        directory.refresh(pins: pins.table)
        let peer: DeviceFingerprint
        switch directory.resolveForgettable(query) {
        case .success(let found): peer = found
        case .failure(let failure): throw APIFailure(failure)
        }
        let conflict = directory.conflict(for: peer)
        let wasConflict = conflict != nil && !directory.isPinned(peer)
        let name = wasConflict ? (conflict?.name ?? "") : directory.name(of: peer)
        let deleted: Int
        do {
            _ = try pins.forget(peer)
            deleted = try store.forgetPeer(peer, deletingMessages: history)
        } catch let error as PinStoreError {
            throw APIFailure(status: 500, message: error.description)
        } catch let error as StoreError {
            throw APIFailure(error)
        } catch {
            throw APIFailure(status: 500, message: "\(error)")
        }
        directory.forget(peer)
        directory.refresh(pins: pins.table)
        conflictReports.forget(peer)
        dialling.lost(.device(peer))
        if directory.isLinked(peer) { links.disconnect(peer) }
        logger.notice("forgot \(name)'s device \(peer)\(history ? " and \(deleted) messages" : "")")
        return ForgetView(fingerprint: peer.compact, name: name, conflict: wasConflict, messagesDeleted: deleted)
    }
}

extension ColleagueDirectory.Conflict {
    /// The commands that resolve it, shell-quoted: `natter trust NAME` (only
    /// when it would pin this device) and `natter forget PREFIX`.
    var commands: [String] {
        let forget = "natter forget \(claimant.compact.prefix(12))"
        return trustable ? ["natter trust \(Self.shellQuoted(name))", forget] : [forget]
    }

    /// `name` as one shell word: single quotes, a quote inside as `'\''`.
    static func shellQuoted(_ name: String) -> String {
        "'" + name.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
