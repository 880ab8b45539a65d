import NatterCore

extension APIFailure {
    /// A refused group operation: 404 for an unknown group, 409 for a name
    /// clash, 403 for what the rules allow someone else, 400 for bad input.
    init(_ error: GroupRuleError) {
        switch error {
        case .unknownGroup: self.init(status: 404, message: error.description)
        case .nameClash, .ambiguousName: self.init(status: 409, message: error.description)
        case .authorNotMember, .onlyCreatorRemoves: self.init(status: 403, message: error.description)
        default: self.init(status: 400, message: error.description)
        }
    }
}

/// Runs a group rule, turning its refusal into the API's answer.
func groupRule<T>(_ body: () throws(GroupRuleError) -> T) throws(APIFailure) -> T {
    do {
        return try body()
    } catch {
        throw APIFailure(error)
    }
}
