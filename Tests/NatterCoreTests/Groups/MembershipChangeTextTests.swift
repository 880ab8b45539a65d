import NatterCore
import Testing

@Suite("A membership change's line, in English and Simplified Chinese")
struct MembershipChangeTextTests {
    let names = [alice: "Alice", bob: "Bob", carol: "Carol", dave: "Dave"]

    func line(_ change: MembershipChange, by author: DeviceFingerprint, _ language: DisplayLanguage) throws -> String {
        displayText(for: change, by: author, in: try GroupName("Lunch"), language: language) { names[$0] ?? "?" }
    }

    @Test func eachChangeInBothLanguagesTheCreatorLeftOutOfTheMembersItNames() throws {
        let created = MembershipChange.created(name: try GroupName("Lunch"), members: [alice, bob, carol])
        #expect(try line(created, by: alice, .english) == "Alice created #Lunch with Bob, Carol")
        #expect(try line(created, by: alice, .simplifiedChinese) == "Alice创建了#Lunch，成员有Bob、Carol")
        #expect(try line(.added([dave]), by: bob, .english) == "Bob added Dave")
        #expect(try line(.added([dave, carol]), by: bob, .simplifiedChinese) == "Bob添加了Dave、Carol")
        #expect(try line(.removed([bob]), by: alice, .english) == "Alice removed Bob")
        #expect(try line(.removed([bob]), by: alice, .simplifiedChinese) == "Alice移除了Bob")
        #expect(try line(.left, by: carol, .english) == "Carol left")
        #expect(try line(.left, by: carol, .simplifiedChinese) == "Carol退出了群组")
    }
}
