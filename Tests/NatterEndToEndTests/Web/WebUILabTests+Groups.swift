import Foundation
import LabSupport
import Testing

/// Issue 18 in the web UI, in the same lab and browsers as the one-to-one
/// scenario (Alice's page in English, Bob's in Chinese): the groups listed
/// beside the colleagues, a message typed in Alice's page reaching Bob's
/// history through the real daemons with "delivered to 1 of 1", unread
/// counts and a notification for a group not open, Bob reading and typing
/// in his group window shown in Alice's, markup in a group's name and
/// messages shown as text, a removed member's page dropping the group, and
/// the broadcasts in "To everyone": one from Alice's CLI unread and notified
/// in Bob's page, his answer from the page held by Alice's daemon; and a
/// group made, left, joined again and changed from the pages alone.
extension WebUILabTests {
    /// A group name made of markup (one word, so a valid name).
    static let hostileGroup = "<b>tea</b>"

    static func groupWindows(_ alice: BrowserAgent, _ bob: BrowserAgent, lab: MessengerLab, bobPrint: String) async throws {
        // Created with the CLI (the page's own form is tested at the end); both pages list them at once.
        try await lab.cli(alice.host, ["group", "create", "#Lunch", bobName])
        try await lab.cli(alice.host, ["group", "create", "#" + hostileGroup, bobName])
        for browser in [alice, bob] {
            try browser.wait(for: "#Lunch", in: "#group-list .group-name", timeout: 5)
            try browser.wait(for: "#" + hostileGroup, in: "#group-list .group-name", timeout: 5)
        }
        try alice.wait(for: "Groups", in: "#groups-title")
        try bob.wait(for: "群组", in: "#groups-title")
        try expectNothingInjected(alice)
        try expectNothingInjected(bob)
        let lunch = try #require(try groupID(named: "Lunch", in: alice))
        let notificationsBefore = try #require(try bob.script("return window.__notifications.length") as? Int)

        // Alice opens #Lunch: its history starts with the creation; she writes in it.
        try alice.click(groupButton(lunch))
        try alice.wait(for: "#Lunch", in: "#peer-name")
        try alice.wait(for: "Members: ", in: "#peer-presence")
        try alice.wait(for: bobName, in: "#peer-presence")
        try alice.wait(for: "Alice created #Lunch with \(bobName)", in: "#message-list .message.change")
        try alice.type("pizza?", into: "#composer-input")
        try alice.press("ENTER", in: "#composer-input")
        try alice.wait(for: "pizza?", in: "#message-list .message.outgoing .message-text", timeout: 2)
        try alice.wait(for: "delivered to 1 of 1", in: "#message-list .message.outgoing .group-delivery")
        let bobsHistory = try await lab.cli(bob.host, ["history", "#Lunch", "--json"]).stdout
        #expect(bobsHistory.contains("\"text\":\"pizza?\""), "Bob's daemon does not hold the page's message: \(bobsHistory)")

        // Bob has not opened it: an unread count beside the group, and a notification.
        try bob.wait(for: "1", in: groupButton(lunch) + " .unread")
        try await waitForNotifications(bob, count: notificationsBefore + 1)
        let notified = try bob.script("const all = window.__notifications; return all[all.length - 1]") as? [String: Any]
        #expect(notified?["title"] as? String == "Alice（#Lunch）" && notified?["body"] as? String == "pizza?")

        // Bob opens it with the message unread: Alice's group window shows him
        // reading (never her one-to-one line); his typing shows there too.
        try bob.click(groupButton(lunch))
        try bob.wait(for: "pizza?", in: "#message-list .message.incoming .message-text")
        try bob.wait(for: "Alice", in: "#message-list .message.incoming .message-author")
        try bob.wait(for: "1", in: groupButton(lunch) + " .unread", absent: true, timeout: 2)
        try alice.wait(for: "\(bobName) is reading your message", in: "#peer-state", timeout: 5)
        #expect(!(try alice.texts(colleagueState(bobPrint)).joined().contains("reading")), "the group's state leaked into the one-to-one line")
        let typed = try bob.type("好的", into: "#composer-input")
        let typing = try alice.wait(for: "\(bobName) is typing…", in: "#peer-state", timeout: 5)
        #expect(typing - typed < 1.0, "typing in the group shown \(typing - typed) s after the keys")
        try alice.wait(for: "\(bobName) is typing…", in: groupButton(lunch) + " .colleague-state", timeout: 2)
        try alice.screenshot(artifacts + "/alice-group-en.png")
        try bob.press("ENTER", in: "#composer-input")
        try alice.wait(for: "好的", in: "#message-list .message.incoming .message-text")
        try alice.wait(for: bobName, in: "#message-list .message.incoming .message-author")
        try alice.wait(for: "is typing", in: "#peer-state", absent: true, timeout: 1)
        try bob.wait(for: "已送达 1 人中的 1 人", in: "#message-list .message.outgoing .group-delivery")

        // Markup in a group message and in a group's name: text, nothing runs.
        try await lab.cli(bob.host, ["send", "#Lunch", hostileText])
        try alice.wait(for: "click me", in: "#message-list .message-text")
        let rendered = try alice.script("const all = document.querySelectorAll('#message-list .message-text'); return all[all.length - 1].textContent")
        #expect(rendered as? String == hostileText)
        let tea = try #require(try groupID(named: hostileGroup, in: alice))
        try alice.click(groupButton(tea))
        try alice.wait(for: "#" + hostileGroup, in: "#peer-name")
        try alice.wait(for: "Alice created #\(hostileGroup) with \(bobName)", in: "#message-list .message.change")
        try expectNothingInjected(alice)

        // Alice (its creator) removes Bob from #Lunch: her history says so; Bob's
        // page drops the group and the window he had open on it.
        try alice.click(groupButton(lunch))
        try await lab.cli(alice.host, ["group", "remove", "#Lunch", bobName])
        try alice.wait(for: "Alice removed \(bobName)", in: "#message-list .message.change", timeout: 5)
        try bob.wait(for: "#Lunch", in: "#group-list .group-name", absent: true, timeout: 5)
        #expect(try bob.script("return document.getElementById('conversation').hidden") as? Bool == true, "Bob's page kept the group's window")
        #expect(try bob.texts("#group-list .group-name") == ["#" + hostileGroup])

        // To everyone: Alice's broadcast, unread and notified in Bob's page;
        // his answer from the page reaches her daemon.
        let beforeBroadcast = try #require(try bob.script("return window.__notifications.length") as? Int)
        try await lab.cli(alice.host, ["send", "--everyone", "fire drill at 3"])
        try bob.wait(for: "1", in: everyoneButton + " .unread", timeout: 5)
        try await waitForNotifications(bob, count: beforeBroadcast + 1)
        let announced = try bob.script("const all = window.__notifications; return all[all.length - 1]") as? [String: Any]
        #expect(announced?["title"] as? String == "Alice（发给所有人）" && announced?["body"] as? String == "fire drill at 3")
        try bob.click(everyoneButton)
        try bob.wait(for: "发给所有人", in: "#peer-name")
        try bob.wait(for: "fire drill at 3", in: "#message-list .message.incoming .message-text")
        try bob.wait(for: "Alice", in: "#message-list .message.incoming .message-author")
        try bob.wait(for: "1", in: everyoneButton + " .unread", absent: true, timeout: 2)
        #expect(try bob.script("return document.getElementById('share-peer-control').hidden") as? Bool == true, "no sharing switch for everyone")
        try bob.type("收到", into: "#composer-input")
        try bob.press("ENTER", in: "#composer-input")
        try bob.wait(for: "已送达 1 人中的 1 人", in: "#message-list .message.outgoing .group-delivery", timeout: 5)
        let alicesBroadcasts = try await lab.cli(alice.host, ["history", "*", "--json"]).stdout
        #expect(alicesBroadcasts.contains("\"text\":\"收到\""), "Alice's daemon does not hold Bob's broadcast: \(alicesBroadcasts)")
        try alice.wait(for: "1", in: everyoneButton + " .unread", timeout: 5)

        try await groupsChangedInThePages(alice, bob)
    }

    /// Bob makes #Coffee with Alice in his page (a second one of that name is
    /// refused with the daemon's reason); Alice leaves it from hers; Bob adds
    /// her again, then, as its creator, removes her. Only he is offered removal.
    static func groupsChangedInThePages(_ alice: BrowserAgent, _ bob: BrowserAgent) async throws {
        func make(_ name: String) throws {
            try bob.click("#new-group")
            _ = try bob.type(name, into: "#group-name")
            _ = try bob.script("[...document.querySelectorAll('#group-members label')].find(l => l.textContent.trim() === 'Alice').querySelector('input').click()")
            try bob.click("#group-form button[type=submit]")
        }
        try make("Coffee")
        try bob.wait(for: "#Coffee", in: "#peer-name", timeout: 5)
        try bob.wait(for: "\(bobName)创建了#Coffee，成员有Alice", in: "#message-list .message.change", timeout: 5)  // in his language
        try alice.wait(for: "#Coffee", in: "#group-list .group-name", timeout: 5)
        try make("coffee")
        try bob.wait(for: "choose another name", in: "#group-form-error", timeout: 5)
        try bob.screenshot(artifacts + "/bob-new-group-zh.png")
        try bob.click("#group-cancel")
        #expect(try bob.script("return document.getElementById('group-form').hidden") as? Bool == true)

        let coffee = try #require(try groupID(named: "Coffee", in: alice))
        try alice.click(groupButton(coffee))
        try alice.wait(for: "#Coffee", in: "#peer-name")
        #expect(try alice.script("return document.getElementById('group-remove-member').hidden") as? Bool == true, "only the creator removes")
        try alice.click("#group-leave")
        try alice.click("#group-leave-yes")
        try alice.wait(for: "#Coffee", in: "#group-list .group-name", absent: true, timeout: 5)
        try bob.wait(for: "Alice退出了群组", in: "#message-list .message.change", timeout: 5)

        func choose(_ name: String, in select: String) throws {
            _ = try bob.script("const s = document.getElementById('\(select)'); s.value = [...s.options].find(o => o.textContent === '\(name)').value")
        }
        try choose("Alice", in: "group-add-member")
        try bob.click("#group-add")
        try alice.wait(for: "#Coffee", in: "#group-list .group-name", timeout: 5)
        try bob.wait(for: "\(bobName)添加了Alice", in: "#message-list .message.change", timeout: 5)
        try bob.screenshot(artifacts + "/bob-group-actions-zh.png")
        try choose("Alice", in: "group-remove-member")
        try bob.click("#group-remove")
        try bob.wait(for: "\(bobName)移除了Alice", in: "#message-list .message.change", timeout: 5)
        try alice.wait(for: "#Coffee", in: "#group-list .group-name", absent: true, timeout: 5)
    }

    static let everyoneButton = "#group-list li.everyone button"

    static func groupButton(_ id: String) -> String { "#group-list li[data-group=\"\(id)\"] button" }

    /// The id of the group the page lists as `#name` (a name without quotes or backslashes).
    static func groupID(named name: String, in browser: BrowserAgent) throws -> String? {
        try browser.script(
            "return [...document.querySelectorAll('#group-list li')].find(li => li.querySelector('.group-name')?.textContent === '#\(name)')?.dataset.group"
        ) as? String
    }
}
