// The page: wires the daemon's API and event stream to the views and the
// browser's events to the open conversation's detectors.
import { api, APIError, onExpired, subscribe, SessionExpired } from "./api.js";
import { renderColleagues, presenceText } from "./colleagues.js";
import { renderConflicts } from "./conflicts.js";
import { Conversation } from "./conversation.js";
import { grouped } from "./dom.js";
import { EveryoneConversation } from "./everyone-conversation.js";
import { addableColleagues, fillChoice, groupRequest, removableMembers, renderMemberChoices } from "./group-admin.js";
import { GroupConversation } from "./group-conversation.js";
import { everyoneKey, groupKey, renderGroups } from "./groups.js";
import { ask, mayAsk, needsNotification, notify } from "./notifications.js";
import { t, translateStatic, useLanguage } from "./strings.js";

const $ = (id) => document.getElementById(id);

const page = {
  status: null,
  peers: new Map(), // fingerprint → PeerView, online first, then by name
  groups: new Map(), // group id → GroupView
  unread: new Map(), // conversation key (fingerprint, or groupKey) → count of messages not seen yet
  conversation: null,
  expired: false,
};

const pageVisible = () => document.visibilityState === "visible";
const pageFocused = () => document.hasFocus();

// MARK: the header (this user)

function showStatus(status) {
  page.status = status;
  $("my-name").textContent = status.name;
  $("my-fingerprint").textContent = status.fingerprintGroups;
  $("presence").value = status.status;
  $("share-global").checked = status.shareState;
  showPeerSharing();
}

$("presence").addEventListener("change", (event) => {
  api.setPresence(event.target.value).then(showStatus).catch(reportDown);
});

$("share-global").addEventListener("change", (event) => {
  api.setSharing(event.target.checked).then(showStatus).catch(reportDown);
});

$("notify-enable").addEventListener("click", () => {
  ask().finally(() => { $("notify-enable").hidden = !mayAsk(); });
});

// MARK: colleagues

function sortPeers(list) {
  return list.sort((a, b) => (a.online === b.online ? a.name.localeCompare(b.name) : a.online ? -1 : 1));
}

function setPeers(list) {
  page.peers = new Map(sortPeers(list).map((peer) => [peer.fingerprint, peer]));
  showColleagues();
}

function showColleagues() {
  renderColleagues($("colleague-list"), page.peers, {
    unread: page.unread,
    selected: page.conversation?.key,
    onSelect: openConversation,
  });
  $("no-colleagues").hidden = page.peers.size > 0;
  renderGroups($("group-list"), $("groups-title"), page.groups, {
    unread: page.unread,
    selected: page.conversation?.key,
    me: page.status?.fingerprint,
    onSelect: openGroup,
    // Someone to reach, or a broadcast to read.
    everyone: page.peers.size > 0 || page.unread.has(everyoneKey) || page.conversation?.key === everyoneKey,
    onSelectEveryone: openEveryone,
  });
  $("new-group").hidden = page.peers.size === 0 || !$("group-form").hidden;
  const total = [...page.unread.values()].reduce((sum, count) => sum + count, 0);
  document.title = total > 0 ? `(${total}) natter` : "natter";
  if (page.conversation) showConversationHead();
}

function setGroups(list) {
  page.groups = new Map(list.map((group) => [group.id, group]));
  // A group this user is no longer in is not listed, so nothing could clear its count.
  for (const group of list) if (!group.joined) page.unread.delete(groupKey(group.id));
  // Removed from the open group (or left it elsewhere): its window goes.
  const open = page.conversation;
  if (open?.isGroup && !page.groups.get(open.group.id)?.joined) closeConversation();
  else showColleagues();
}

function updatePeer(fingerprint, change) {
  const peer = page.peers.get(fingerprint);
  if (!peer) return false;
  Object.assign(peer, change);
  return true;
}

// MARK: the conversation

const view = {
  messages: $("messages"),
  list: $("message-list"),
  historyStart: $("history-start"),
  stateLine: $("peer-state"),
};

function openConversation(fingerprint) {
  const peer = page.peers.get(fingerprint);
  if (peer) enter(fingerprint, (context) => new Conversation(peer, view, context));
}

/** A group's window: the same detectors and window model as a colleague's. */
function openGroup(id) {
  const group = page.groups.get(id);
  if (group?.joined) enter(groupKey(id), (context) => new GroupConversation(group, view, context));
}

/** The broadcasts' window ("To everyone"). */
function openEveryone() {
  enter(everyoneKey, (context) => new EveryoneConversation(view, context));
}

async function enter(key, make) {
  if (page.expired) return;
  if (page.conversation?.key === key) {
    $("composer-input").focus();
    return;
  }
  page.conversation?.close();
  const conversation = make({
    language: page.status.language,
    ownName: page.status.name,
    me: page.status.fingerprint,
    focused: pageFocused(),
    visible: pageVisible(),
  });
  page.conversation = conversation;
  view.historyStart.textContent = t(conversation.isEveryone ? "everyoneStart" : conversation.isGroup ? "groupStart" : "historyStart");
  $("composer-input").value = "";
  $("send-error").hidden = true;
  $("group-action-error").hidden = true;
  hideLeaveConfirm();
  $("conversation").hidden = false;
  $("empty").hidden = true;
  markSeen();
  showColleagues();
  try {
    await conversation.open();
  } catch (error) {
    if (error instanceof APIError) {
      // The daemon refused (a group left in another window, say): say why,
      // and let the lists catch up, which closes a window that has no group.
      $("send-error").textContent = error.message;
      $("send-error").hidden = false;
      if (conversation.isGroup) refreshGroups().catch(reportDown);
    } else {
      reportDown(error);
    }
  }
  if (page.conversation !== conversation) return;
  // Typed while the window was being opened: report it now.
  if (composer.value) conversation.detectors?.composerChanged(composer.value);
  composer.focus();
}

function closeConversation() {
  page.conversation?.close();
  page.conversation = null;
  $("conversation").hidden = true;
  $("empty").hidden = false;
  showColleagues();
}

function showConversationHead() {
  const conversation = page.conversation;
  $("peer-fingerprint-line").hidden = Boolean(conversation.isGroup || conversation.isEveryone);
  $("share-peer-control").hidden = Boolean(conversation.isEveryone);
  $("group-actions").hidden = !conversation.isGroup;
  if (conversation.isEveryone) {
    $("peer-name").textContent = t("everyone");
    $("peer-presence").textContent = t("everyoneAbout");
    conversation.showState("");
  } else if (conversation.isGroup) {
    const group = page.groups.get(conversation.group.id) ?? conversation.group;
    $("peer-name").textContent = `#${group.name}`;
    $("peer-presence").textContent = t("members", group.members.map((member) => member.name).join(", "));
    conversation.update(group);
    showGroupActions(group);
  } else {
    const peer = page.peers.get(conversation.fingerprint) ?? conversation.peer;
    $("peer-name").textContent = peer.name;
    $("peer-presence").textContent = presenceText(peer);
    $("peer-fingerprint").textContent = grouped(peer.fingerprint);
    conversation.showState(peer.online ? peer.text : "");
  }
  showPeerSharing();
}

function showPeerSharing() {
  const select = $("share-peer");
  select.options[0].textContent = t("shareDefault", page.status?.shareState ?? true);
  const open = page.conversation;
  const subject = open && (open.isGroup ? page.groups.get(open.group.id) : page.peers.get(open.fingerprint));
  if (!subject) return;
  select.value = subject.shareState === undefined ? "default" : subject.shareState ? "on" : "off";
}

$("share-peer").addEventListener("change", (event) => {
  const conversation = page.conversation;
  if (!conversation) return;
  const choice = { default: null, on: true, off: false }[event.target.value];
  api.setSharing(choice, conversation.address).then(conversation.isGroup ? refreshGroups : refreshPeers).catch(reportDown);
});

$("close-conversation").addEventListener("click", closeConversation);

// MARK: creating and changing groups

$("new-group").addEventListener("click", () => {
  renderMemberChoices($("group-members"), page.peers);
  $("group-name").value = "";
  $("group-form-error").hidden = true;
  $("group-form").hidden = false;
  $("new-group").hidden = true;
  $("group-name").focus();
});

function closeGroupForm() {
  $("group-form").hidden = true;
  showColleagues();
}

$("group-cancel").addEventListener("click", closeGroupForm);

$("group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const checked = [...$("group-members").querySelectorAll("input:checked")].map((box) => box.value);
  const request = groupRequest($("group-name").value, checked);
  try {
    const group = await api.createGroup(request.name, request.members);
    page.groups.set(group.id, group);
    closeGroupForm();
    openGroup(group.id);
  } catch (error) {
    if (error instanceof SessionExpired) return;
    $("group-form-error").textContent = t("groupFailed", error.message);
    $("group-form-error").hidden = false;
  }
});

/** The open group's add, remove and leave controls, for this group as it is now. */
function showGroupActions(group) {
  const me = page.status?.fingerprint;
  fillChoice($("group-add-member"), $("group-add"), "addWho", addableColleagues(page.peers, group));
  fillChoice($("group-remove-member"), $("group-remove"), "removeWho", removableMembers(group, me));
}

/** Runs a change of the open group; its answer (a GroupView) updates the page, an error is shown. */
async function changeOpenGroup(change) {
  const conversation = page.conversation;
  if (!conversation?.isGroup) return;
  try {
    const group = await change(conversation.address);
    $("group-action-error").hidden = true;
    page.groups.set(group.id, group);
    setGroups([...page.groups.values()]);
  } catch (error) {
    if (error instanceof SessionExpired) return;
    $("group-action-error").textContent = t("groupFailed", error.message);
    $("group-action-error").hidden = false;
  }
}

$("group-add").addEventListener("click", () => {
  const colleague = $("group-add-member").value;
  if (colleague) changeOpenGroup((group) => api.addMembers(group, [colleague]));
});

$("group-remove").addEventListener("click", () => {
  const member = $("group-remove-member").value;
  if (member) changeOpenGroup((group) => api.removeMembers(group, [member]));
});

$("group-leave").addEventListener("click", () => {
  $("leave-confirm").hidden = false;
  $("group-leave").hidden = true;
});

function hideLeaveConfirm() {
  $("leave-confirm").hidden = true;
  $("group-leave").hidden = false;
}

$("group-leave-no").addEventListener("click", hideLeaveConfirm);
$("group-leave-yes").addEventListener("click", () => {
  hideLeaveConfirm();
  changeOpenGroup((group) => api.leaveGroup(group));
});
$("messages").addEventListener("scroll", () => page.conversation?.scrolled(), { passive: true });

/** The open conversation is in front of the user: its messages are seen. */
function markSeen() {
  const conversation = page.conversation;
  if (!conversation || !pageVisible() || !pageFocused()) return;
  if (page.unread.delete(conversation.key)) showColleagues();
}

// MARK: the composer (the keyboard detector)

const composer = $("composer-input");

composer.addEventListener("input", () => page.conversation?.detectors?.composerChanged(composer.value));

composer.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line; never while an input method composes (Chinese).
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});

async function send() {
  const conversation = page.conversation;
  const text = composer.value;
  if (!conversation || text.trim().length === 0) return;
  try {
    await conversation.send(text);
    $("send-error").hidden = true;
    composer.value = "";
    conversation.detectors?.submitted();
  } catch (error) {
    if (error instanceof SessionExpired) return;
    $("send-error").textContent = t("sendFailed", error.message);
    $("send-error").hidden = false;
    if (conversation.isGroup && error instanceof APIError && error.status === 404) refreshGroups().catch(reportDown);
  }
}

// MARK: the window-state and idle detectors

window.addEventListener("focus", () => {
  page.conversation?.detectors?.focusChanged(true);
  markSeen();
});
window.addEventListener("blur", () => page.conversation?.detectors?.focusChanged(false));
document.addEventListener("visibilitychange", () => {
  page.conversation?.detectors?.visibilityChanged(pageVisible());
  markSeen();
});
window.addEventListener("pagehide", () => page.conversation?.close(true));
window.addEventListener("pageshow", (event) => {
  // Back from the back-forward cache: the window was closed at pagehide.
  const closed = page.conversation;
  if (!event.persisted || !closed) return;
  page.conversation = null;
  if (closed.isEveryone) openEveryone();
  else if (closed.isGroup) openGroup(closed.group.id);
  else openConversation(closed.fingerprint);
});

function activity(event) {
  if (event.type === "keydown" && event.target === composer) return; // the composer reports its own input
  page.conversation?.detectors?.activity();
}
for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
  document.addEventListener(type, activity, { capture: true, passive: true });
}

// MARK: conflicts (the trust flow)

async function refreshConflicts() {
  const conflicts = await api.conflicts();
  renderConflicts($("conflicts"), conflicts, {
    onTrust: (name) => api.trust(name).then(() => Promise.all([refreshConflicts(), refreshPeers()])),
    onForget: (prefix) => api.forget(prefix).then(() => Promise.all([refreshConflicts(), refreshPeers()])),
  });
}

async function refreshPeers() {
  setPeers(await api.peers());
}

async function refreshGroups() {
  setGroups(await api.groups());
}

// MARK: the event stream

function onEvent(kind, data) {
  switch (kind) {
    case "message":
    case "delivery": {
      if (page.conversation?.fingerprint === data.peer) page.conversation.apply(kind, data);
      if (kind === "message" && data.direction === "incoming") received(data);
      break;
    }
    case "state": {
      if (updatePeer(data.peer, { state: data.state, text: data.text })) showColleagues();
      break;
    }
    case "peer": {
      page.peers.set(data.fingerprint, data);
      setPeers([...page.peers.values()]);
      break;
    }
    case "conflict":
      refreshConflicts().catch(reportDown);
      break;
    case "groupMessage":
    case "groupDelivery": {
      const key = data.group ? groupKey(data.group) : everyoneKey; // no group: a broadcast
      if (page.conversation?.key === key) page.conversation.apply(kind, data);
      if (kind !== "groupMessage" || data.kind === "change" || data.direction !== "incoming") break;
      if (data.group) {
        if (page.groups.get(data.group)?.joined === false) break; // sent before this user's removal: no count to clear
        const titled = { ...data, peerName: t("groupNotificationTitle", data.authorName, data.groupName) };
        received(titled, key, () => openGroup(data.group));
      } else {
        received({ ...data, peerName: t("everyoneNotificationTitle", data.authorName) }, key, openEveryone);
      }
      break;
    }
    case "groupState": {
      const member = page.groups.get(data.group)?.members.find((each) => each.fingerprint === data.member);
      if (!member) break;
      Object.assign(member, { state: data.state, text: data.text });
      showColleagues();
      break;
    }
    case "group":
      page.groups.set(data.id, data);
      setGroups([...page.groups.values()]);
      break;
  }
}

/** An incoming message of the conversation `key`: counted and notified unless it is in front of the user. */
function received(message, key = message.peer, open = () => openConversation(message.peer)) {
  const context = { openFingerprint: page.conversation?.key, visible: pageVisible(), focused: pageFocused() };
  if (!needsNotification({ ...message, peer: key }, context)) return;
  page.unread.set(key, (page.unread.get(key) ?? 0) + 1);
  showColleagues();
  notify(message, open);
}

/** (Re)connected: reload what a drop may have hidden. */
async function reload() {
  $("offline").hidden = true;
  const [status, peers, groups] = await Promise.all([api.status(), api.peers(), api.groups()]);
  showStatus(status);
  setPeers(peers);
  setGroups(groups);
  await refreshConflicts();
  await page.conversation?.catchUp();
}

/** The stream dropped or a call failed: say why. */
function reportDown(error) {
  if (error instanceof SessionExpired || page.expired) return;
  api.status().then(() => { $("offline").hidden = true; }).catch((failure) => {
    if (failure instanceof SessionExpired) return;
    $("offline").textContent = t("daemonDown");
    $("offline").hidden = false;
  });
}

onExpired(() => {
  if (page.expired) return;
  page.expired = true;
  stopEvents?.();
  page.conversation?.close();
  $("expired").textContent = t("expired");
  $("expired").hidden = false;
  composer.disabled = true;
});

let stopEvents = null;

async function start() {
  let status;
  try {
    status = await api.status();
  } catch (error) {
    reportDown(error);
    setTimeout(start, 2000);
    return;
  }
  useLanguage(status.language);
  translateStatic();
  showStatus(status);
  $("notify-enable").hidden = !mayAsk();
  stopEvents = subscribe("/v1/events", {
    onEvent,
    onOpen: () => reload().catch(reportDown),
    onDown: () => reportDown(),
  });
}

start();
