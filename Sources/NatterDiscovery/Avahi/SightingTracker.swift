/// What a layer over ``AvahiService`` has told its consumer, per instance
/// name, and what a new sighting changes about it: the pure half of
/// ``ForwarderBrowser``, which only says how TXT strings become a value (or
/// why they do not). Peers' records are folded by device instead
/// (``PeerSightings``).
struct SightingTracker<Value: Equatable> {
    /// How a layer judges one sighting.
    enum Verdict {
        case accept(Value)
        /// Not for this caller and not suspicious (its own record): not counted.
        case skip
        /// Another team's, malformed or tampered: counted in ``rejected``.
        case reject
    }

    enum Change: Equatable {
        case appeared(Value)
        case replaced(Value, by: Value)
        case disappeared(Value)
    }

    private(set) var reported: [String: Value] = [:]
    /// Sightings judged `.reject`, each found or changed event counted once.
    private(set) var rejected = 0

    mutating func apply(_ event: AvahiService.Event, judge: (AvahiService.Sighting) -> Verdict) -> Change? {
        let name: String
        var current: Value?
        switch event {
        case .found(let sighting), .changed(let sighting):
            name = sighting.instanceName
            switch judge(sighting) {
            case .accept(let value): current = value
            case .skip: current = nil
            case .reject: rejected += 1
            }
        case .lost(let instanceName):
            name = instanceName
        }
        let old = reported[name]
        reported[name] = current
        switch (old, current) {
        case (nil, let value?): return .appeared(value)
        case (let old?, let value?) where old != value: return .replaced(old, by: value)
        case (let old?, nil): return .disappeared(old)
        default: return nil
        }
    }
}
