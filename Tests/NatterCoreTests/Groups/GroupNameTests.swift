import NatterCore
import Testing

@Suite("Group names and ids")
struct GroupNameTests {
    @Test func theSigilIsNotPartOfTheNameAndCaseDoesNotMatter() throws {
        let written = try GroupName("#Lunch")
        #expect(written.text == "Lunch")
        #expect(written.description == "#Lunch")
        #expect(written.sameName(as: try GroupName("lunch")))
        #expect(!written.sameName(as: try GroupName("Lunch2")))
        #expect(GroupName.isGroupAddress("#Lunch"))
        #expect(!GroupName.isGroupAddress("Alice"))
    }

    @Test func refusesEmptySpacesControlsAndLongNames() {
        #expect(throws: GroupRuleError.self) { try GroupName("#") }
        #expect(throws: GroupRuleError.self) { try GroupName("") }
        #expect(throws: GroupRuleError.self) { try GroupName("##Lunch") }
        #expect(throws: GroupRuleError.self) { try GroupName("Team lunch") }
        #expect(throws: GroupRuleError.self) { try GroupName("Lunch\u{1B}[2J") }
        #expect(throws: GroupRuleError.self) { try GroupName("Lunch\u{202E}") }
        #expect(throws: GroupRuleError.self) { try GroupName(String(repeating: "é", count: 33)) }
        #expect(throws: Never.self) { try GroupName(String(repeating: "é", count: 32)) }
    }

    @Test func theSpaceErrorSuggestsAName() {
        #expect(throws: GroupRuleError.invalidName("a group name is one word without spaces or control characters; try #Team-lunch")) {
            try GroupName("Team lunch")
        }
    }

    @Test func idsAreRandom128BitsAndRoundTripThroughHex() {
        var generator = SystemRandomNumberGenerator()
        let first = GroupID(using: &generator)
        let second = GroupID(using: &generator)
        #expect(first.bytes.count == 16)
        #expect(first != second)
        #expect(GroupID(hex: first.hex) == first)
        #expect(GroupID(hex: "00") == nil)
        #expect(GroupID(bytes: [1, 2, 3]) == nil)
    }
}
