public import NatterCore

/// The trust decision after a colleague's device key changed, shared by the
/// daemon (`POST /v1/trust`) and by `natter trust` when no daemon runs.
///
/// A name is one device: trusting the refused key *replaces* the pinned
/// device. The pins file changes first (the security decision), then the
/// store moves the old device's history, name and sharing override to the
/// new one, so `natter send NAME` and `natter history NAME` keep working and
/// the conversation stays one. Several devices for one colleague are not
/// supported yet: the second is refused like an impostor until trusted, and
/// then replaces the first.
public enum DeviceTrust {
    public static func trustRefused(name: String, pins: PinStore, store: MessageStore) throws(DeviceTrustError) -> PinStore.Change {
        if let damage = pins.damage { throw .failed(damage.description) }
        let table = pins.table
        guard let current = table.pin(for: name)?.fingerprint else {
            throw .notPinned(name, pinnedNames: table.pinned.values.map(\.name).sorted())
        }
        let change: PinStore.Change?
        do {
            change = try pins.trustRefused(name: name)
        } catch {
            throw .failed(error.description)
        }
        guard let change else { throw .nothingRefused(name, pinned: current) }
        do {
            try store.replaceDevice(change.previous, with: change.trusted)
        } catch {
            throw .failed("the new key is trusted, but \(error); the old device's history stays under its fingerprint")
        }
        return change
    }
}

/// Why a trust decision could not be made.
public enum DeviceTrustError: Error, CustomStringConvertible, Equatable {
    case notPinned(String, pinnedNames: [String])
    case nothingRefused(String, pinned: DeviceFingerprint)
    case failed(String)

    public var description: String {
        switch self {
        case .notPinned(let name, let names):
            "no pinned colleague is named \"\(name)\"" + (names.isEmpty ? "" : "; pinned: " + names.joined(separator: ", "))
        case .nothingRefused(let name, let pinned):
            "\(name) has not presented a different device key; nothing to trust (pinned: \(pinned))"
        case .failed(let reason):
            reason
        }
    }
}
