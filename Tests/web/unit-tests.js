// Unit tests of the web UI's pure parts, run in headless Chromium by
// Tests/web/run-unit-tests.py (WebUIUnitTests in NatterEndToEndTests). The
// detectors run on a test clock: time moves only when a test says so.
import { WindowDetectors, keystrokeInterval, activityInterval } from "../../WebUI/js/detectors.js";
import { needsNotification } from "../../WebUI/js/notifications.js";
import { offersTrust } from "../../WebUI/js/conflicts.js";
import { grouped } from "../../WebUI/js/dom.js";
import { addableColleagues, fillChoice, groupRequest, removableMembers, renderMemberChoices } from "../../WebUI/js/group-admin.js";
import { compareGroupMessages, everyoneKey, groupDeliveryText, groupKey, groupStateLine, listedGroups, renderGroups } from "../../WebUI/js/groups.js";

class TestClock {
  constructor() { this.time = 1_000_000; this.timers = []; this.nextID = 1; }
  now() { return this.time; }
  setTimeout(fn, ms) { const id = this.nextID++; this.timers.push({ id, at: this.time + ms, fn }); return id; }
  clearTimeout(id) { this.timers = this.timers.filter((timer) => timer.id !== id); }
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}

function detectors(where = { focused: true, visible: true }) {
  const clock = new TestClock();
  const sent = [];
  const window = new WindowDetectors((signal) => sent.push(signal), where, clock);
  return { clock, sent, window };
}

const results = [];
function test(name, body) {
  try {
    body();
    results.push({ name, ok: true });
  } catch (error) {
    results.push({ name, ok: false, error: String(error.stack ?? error) });
  }
}
function equal(actual, expected, what = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what} expected ${e}, got ${a}`);
}

test("the first signal says where the user is", () => {
  equal(detectors({ focused: true, visible: true }).sent, ["focused"]);
  equal(detectors({ focused: false, visible: true }).sent, ["unfocused"]);
  equal(detectors({ focused: false, visible: false }).sent, ["minimized"]);
});

test("a burst of keystrokes: the first at once, the last at the end of the interval", () => {
  const { clock, sent, window } = detectors();
  window.composerChanged("h");
  equal(sent, ["focused", "keystroke"], "first key");
  clock.advance(100); window.composerChanged("he");
  clock.advance(100); window.composerChanged("hel");
  equal(sent, ["focused", "keystroke"], "within the interval");
  clock.advance(keystrokeInterval - 201);
  equal(sent.length, 2, "1 ms before the interval ends");
  clock.advance(1);
  equal(sent, ["focused", "keystroke", "keystroke"], "the trailing keystroke");
  clock.advance(10_000);
  equal(sent.length, 3, "nothing more without keys");
  window.composerChanged("hell");
  equal(sent.length, 4, "a key after a pause is sent at once");
});

test("keys typed steadily send at most one keystroke per interval", () => {
  const { clock, sent, window } = detectors();
  let text = "";
  for (let i = 0; i < 50; i++) { text += "x"; window.composerChanged(text); clock.advance(50); } // 20 keys a second for 2.5 s
  const keystrokes = sent.filter((signal) => signal === "keystroke").length;
  if (keystrokes > 2500 / keystrokeInterval + 1) throw new Error(`${keystrokes} keystrokes for 2.5 s of typing`);
  if (keystrokes < 2500 / keystrokeInterval - 1) throw new Error(`only ${keystrokes} keystrokes: typing would look paused`);
});

test("clearing the composer: inputCleared once, and the pending keystroke is dropped", () => {
  const { clock, sent, window } = detectors();
  window.composerChanged("a");
  window.composerChanged("ab");
  window.composerChanged("");
  clock.advance(keystrokeInterval * 2);
  equal(sent, ["focused", "keystroke", "inputCleared"]);
  window.composerChanged("");
  equal(sent.length, 3, "already empty: nothing");
});

test("sending: messageSent, and no late keystroke after it", () => {
  const { clock, sent, window } = detectors();
  window.composerChanged("h");
  window.composerChanged("hi");
  window.submitted();
  clock.advance(keystrokeInterval * 2);
  equal(sent, ["focused", "keystroke", "messageSent"]);
});

test("focus and visibility only on a change", () => {
  const { sent, window } = detectors();
  window.focusChanged(true);
  window.focusChanged(false);
  window.focusChanged(false);
  window.visibilityChanged(false);
  window.visibilityChanged(false);
  window.visibilityChanged(true);
  window.focusChanged(true);
  equal(sent, ["focused", "unfocused", "minimized", "restored", "focused"]);
});

test("activity: the first at once, then at most one per interval", () => {
  const { clock, sent, window } = detectors();
  window.activity();
  clock.advance(activityInterval - 1);
  window.activity();
  clock.advance(1);
  window.activity();
  equal(sent, ["focused", "activity", "activity"]);
});

test("a closed window sends nothing, not even a pending keystroke", () => {
  const { clock, sent, window } = detectors();
  window.composerChanged("a");
  window.composerChanged("ab");
  window.close();
  clock.advance(keystrokeInterval * 2);
  window.focusChanged(false);
  window.activity();
  window.submitted();
  equal(sent, ["focused", "keystroke"]);
});

test("a window opened again hears where the user is, and that a draft is there", () => {
  const { sent, window } = detectors({ focused: true, visible: true });
  window.composerChanged("draft");
  window.visibilityChanged(false);
  sent.length = 0;
  window.reportWhere();
  equal(sent, ["minimized", "keystroke"]);
});

test("a notification only when the conversation is not in front of the user", () => {
  const incoming = { peer: "BOB", direction: "incoming" };
  equal(needsNotification(incoming, { openFingerprint: "BOB", visible: true, focused: true }), false, "open and visible");
  equal(needsNotification(incoming, { openFingerprint: "BOB", visible: false, focused: false }), true, "hidden");
  equal(needsNotification(incoming, { openFingerprint: "BOB", visible: true, focused: false }), true, "not focused");
  equal(needsNotification(incoming, { openFingerprint: "CAROL", visible: true, focused: true }), true, "another conversation");
  equal(needsNotification(incoming, { openFingerprint: undefined, visible: true, focused: true }), true, "none open");
  equal(needsNotification({ peer: "BOB", direction: "outgoing" }, { openFingerprint: undefined, visible: false, focused: false }), false, "own message");
});

test("trust is offered only when the daemon offers natter trust", () => {
  equal(offersTrust({ resolve: ["natter trust 'Bob'", "natter forget MALLRY2QWERT"] }), true);
  equal(offersTrust({ resolve: ["natter forget MALLRY2QWERT"] }), false);
});

test("fingerprints in groups of four", () => {
  equal(grouped("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), "ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567");
});

test("a group's state line: each other member's text, in roster order, this user never", () => {
  const group = { members: [
    { fingerprint: "ALICE", name: "Alice", text: "Alice is typing…" },
    { fingerprint: "BOB", name: "Bob", text: "Bob is reading your message" },
    { fingerprint: "CAROL", name: "Carol" },
    { fingerprint: "DAVE", name: "Dave", text: "Dave closed the conversation" },
  ] };
  equal(groupStateLine(group, "ALICE"), "Bob is reading your message · Dave closed the conversation");
  equal(groupStateLine({ members: [{ fingerprint: "ALICE", text: "x" }, { fingerprint: "BOB" }] }, "ALICE"), "", "nobody shows anything");
});

test("group messages in the agreed order: timestamp, then author, then id", () => {
  const messages = [
    { timestamp: 20, author: "A", id: "1" },
    { timestamp: 10, author: "B", id: "2" },
    { timestamp: 10, author: "A", id: "3" },
    { timestamp: 10, author: "A", id: "0" },
  ];
  equal([...messages].sort(compareGroupMessages).map((m) => m.id), ["0", "3", "2", "1"]);
});

test("groups listed: only those this user is in, by name; keys never look like a fingerprint", () => {
  const groups = new Map([
    ["2", { id: "2", name: "Lunch", joined: true }],
    ["1", { id: "1", name: "Gone", joined: false }],
    ["3", { id: "3", name: "Football", joined: true }],
  ]);
  equal(listedGroups(groups).map((group) => group.name), ["Football", "Lunch"]);
  equal(groupKey("5f0c"), "group:5f0c");
});

test("per-member delivery: delivered to N of M", () => {
  equal(groupDeliveryText({ delivered: 2, recipients: 3 }), "delivered to 2 of 3");
  equal(groupDeliveryText({ recipients: 3 }), "delivered to 0 of 3");
});

test("To everyone: first in the groups' section, its own unread count, the section shown for it alone", () => {
  const list = document.createElement("ul"), title = document.createElement("h2");
  let opened = 0;
  const options = { unread: new Map([[everyoneKey, 2]]), selected: everyoneKey, me: "ME", onSelect() {}, onSelectEveryone: () => opened++ };
  const groups = new Map([["1", { id: "1", name: "Lunch", joined: true, members: [] }]]);
  renderGroups(list, title, groups, { ...options, everyone: true });
  equal([...list.children].map((item) => item.className), ["everyone colleague online selected", "group colleague online"]);
  equal(list.children[0].querySelector(".everyone-name").textContent, "To everyone");
  equal(list.children[0].querySelector(".unread").textContent, "2");
  equal(list.children[0].querySelector(".group-name"), null, "not a group by name");
  list.children[0].querySelector("button").click();
  equal(opened, 1);
  renderGroups(list, title, new Map(), { ...options, everyone: true });
  equal(title.hidden, false, "shown for To everyone alone");
  renderGroups(list, title, new Map(), { ...options, everyone: false });
  equal([title.hidden, list.children.length], [true, 0]);
  equal(everyoneKey === groupKey("everyone"), false, "never a group's key");
});

test("a group's window offers to add the colleagues not in it, and to remove only to its creator, never themselves", () => {
  const peers = new Map([
    ["C", { fingerprint: "C", name: "Carol" }],
    ["B", { fingerprint: "B", name: "Bob" }],
    ["D", { fingerprint: "D", name: "Dave" }],
  ]);
  const group = { creator: "ME", members: [{ fingerprint: "ME", name: "Me" }, { fingerprint: "C", name: "Carol" }, { fingerprint: "A", name: "Alice" }] };
  equal(addableColleagues(peers, group).map((peer) => peer.name), ["Bob", "Dave"]);
  equal(removableMembers(group, "ME").map((member) => member.name), ["Alice", "Carol"]);
  equal(removableMembers(group, "C"), [], "not the creator");
  equal(groupRequest("  #Lunch ", new Set(["B", "D"])), { name: "#Lunch", members: ["B", "D"] });
});

test("the choices are text, with a placeholder first, and hidden with their button when nobody is offered", () => {
  const select = document.createElement("select"), button = document.createElement("button");
  fillChoice(select, button, "addWho", [{ fingerprint: "B", name: "<b>Bob</b>" }]);
  equal([...select.options].map((option) => [option.value, option.textContent]), [["", "Add a colleague…"], ["B", "<b>Bob</b>"]]);
  equal([select.hidden, button.hidden, select.querySelector("b")], [false, false, null]);
  select.value = "B";
  const first = select.options[1];
  fillChoice(select, button, "addWho", [{ fingerprint: "B", name: "<b>Bob</b>" }]);
  equal([select.value, select.options[1] === first], ["B", true], "the same offer: nothing rebuilt, the choice kept");
  fillChoice(select, button, "addWho", [{ fingerprint: "A", name: "Alice" }, { fingerprint: "B", name: "<b>Bob</b>" }]);
  equal(select.value, "B", "a new offer keeps a choice still offered");
  fillChoice(select, button, "addWho", [{ fingerprint: "A", name: "Alice" }]);
  equal(select.value, "", "back to the placeholder when the choice is gone");
  fillChoice(select, button, "addWho", []);
  equal([select.hidden, button.hidden], [true, true]);
  const fieldset = document.createElement("fieldset");
  fieldset.append(document.createElement("legend"));
  renderMemberChoices(fieldset, new Map([["B", { fingerprint: "B", name: "Bob <i>x</i>" }]]));
  renderMemberChoices(fieldset, new Map([["B", { fingerprint: "B", name: "Bob <i>x</i>" }], ["A", { fingerprint: "A", name: "Alice" }]]));
  equal([...fieldset.querySelectorAll("label")].map((label) => [label.querySelector("input").value, label.textContent]), [["A", " Alice"], ["B", " Bob <i>x</i>"]]);
  equal([fieldset.querySelector("legend") !== null, fieldset.querySelector("i")], [true, null]);
});

window.testResults = results;
