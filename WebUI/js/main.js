// The page: wires the daemon's API and event stream to the views and the
// browser's events to the open conversation's detectors.
import { api, onExpired, subscribe, SessionExpired } from "./api.js";
import { renderColleagues, presenceText } from "./colleagues.js";
import { renderConflicts } from "./conflicts.js";
import { Conversation } from "./conversation.js";
import { grouped } from "./dom.js";
import { ask, mayAsk, needsNotification, notify } from "./notifications.js";
import { t, translateStatic, useLanguage } from "./strings.js";

const $ = (id) => document.getElementById(id);

const page = {
  status: null,
  peers: new Map(), // fingerprint → PeerView, online first, then by name
  unread: new Map(), // fingerprint → count of messages not seen yet
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
    selected: page.conversation?.fingerprint,
    onSelect: openConversation,
  });
  $("no-colleagues").hidden = page.peers.size > 0;
  const total = [...page.unread.values()].reduce((sum, count) => sum + count, 0);
  document.title = total > 0 ? `(${total}) natter` : "natter";
  if (page.conversation) showConversationHead(page.peers.get(page.conversation.fingerprint) ?? page.conversation.peer);
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

async function openConversation(fingerprint) {
  const peer = page.peers.get(fingerprint);
  if (!peer || page.expired) return;
  if (page.conversation?.fingerprint === fingerprint) {
    $("composer-input").focus();
    return;
  }
  page.conversation?.close();
  const conversation = new Conversation(peer, view, {
    language: page.status.language,
    ownName: page.status.name,
    focused: pageFocused(),
    visible: pageVisible(),
  });
  page.conversation = conversation;
  $("composer-input").value = "";
  $("send-error").hidden = true;
  $("conversation").hidden = false;
  $("empty").hidden = true;
  markSeen();
  showColleagues();
  try {
    await conversation.open();
  } catch (error) {
    reportDown(error);
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

function showConversationHead(peer) {
  $("peer-name").textContent = peer.name;
  $("peer-presence").textContent = presenceText(peer);
  $("peer-fingerprint").textContent = grouped(peer.fingerprint);
  page.conversation.showState(peer.online ? peer.text : "");
  showPeerSharing();
}

function showPeerSharing() {
  const select = $("share-peer");
  select.options[0].textContent = t("shareDefault", page.status?.shareState ?? true);
  const peer = page.conversation && page.peers.get(page.conversation.fingerprint);
  if (!peer) return;
  select.value = peer.shareState === undefined ? "default" : peer.shareState ? "on" : "off";
}

$("share-peer").addEventListener("change", (event) => {
  const conversation = page.conversation;
  if (!conversation) return;
  const choice = { default: null, on: true, off: false }[event.target.value];
  api.setSharing(choice, conversation.fingerprint).then(refreshPeers).catch(reportDown);
});

$("close-conversation").addEventListener("click", closeConversation);
$("messages").addEventListener("scroll", () => page.conversation?.scrolled(), { passive: true });

/** The open conversation is in front of the user: its messages are seen. */
function markSeen() {
  const conversation = page.conversation;
  if (!conversation || !pageVisible() || !pageFocused()) return;
  if (page.unread.delete(conversation.fingerprint)) showColleagues();
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
    const sent = await api.send(conversation.fingerprint, text);
    $("send-error").hidden = true;
    composer.value = "";
    conversation.detectors?.submitted();
    conversation.apply("message", sent);
  } catch (error) {
    if (error instanceof SessionExpired) return;
    $("send-error").textContent = t("sendFailed", error.message);
    $("send-error").hidden = false;
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
  if (!event.persisted || !page.conversation) return;
  const fingerprint = page.conversation.fingerprint;
  page.conversation = null;
  openConversation(fingerprint);
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
  }
}

function received(message) {
  const context = { openFingerprint: page.conversation?.fingerprint, visible: pageVisible(), focused: pageFocused() };
  if (!needsNotification(message, context)) return;
  page.unread.set(message.peer, (page.unread.get(message.peer) ?? 0) + 1);
  showColleagues();
  notify(message, () => openConversation(message.peer));
}

/** (Re)connected: reload what a drop may have hidden. */
async function reload() {
  $("offline").hidden = true;
  const [status, peers] = await Promise.all([api.status(), api.peers()]);
  showStatus(status);
  setPeers(peers);
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
