// The open conversation: one window of the daemon's multi-window model,
// its history (older pages loaded when scrolled to the top), delivery
// state on each outgoing message, the colleague's state line, the composer.
import { api, subscribe } from "./api.js";
import { WindowDetectors } from "./detectors.js";
import { element, shortTime } from "./dom.js";
import { t } from "./strings.js";

/** Messages per history page. */
export const historyPage = 50;
/** How close to the top (px) the view must be scrolled to load the previous page. */
const loadOlderMargin = 60;

export class Conversation {
  /**
   * @param peer     the colleague's PeerView
   * @param view     { messages, list, historyStart, stateLine } elements
   * @param context  { language, ownName, focused, visible }
   */
  constructor(peer, view, context) {
    this.peer = peer;
    this.view = view;
    this.context = context;
    this.window = null;
    this.detectors = null;
    this.unsubscribe = null;
    this.shown = new Map(); // message id → its element
    this.oldest = null;
    this.exhausted = false;
    this.loading = false;
    this.closed = false;
    this.reopening = false;
    // Scrolling loads older pages only once the newest page is shown at the
    // end: before that, the emptied list sits at the top, and a scroll event
    // (the list emptied, a conversation closed) would start a load beside
    // open()'s own, and the conversation would open on two pages.
    this.settled = false;
  }

  get fingerprint() {
    return this.peer.fingerprint;
  }

  /** The page's key for this conversation (unread counts, the selection). */
  get key() {
    return this.fingerprint;
  }

  /** What the API takes as PEER for this conversation's window and sharing switch. */
  get address() {
    return this.fingerprint;
  }

  /** A page of history: the newest `limit`, or those before the message `before`. */
  fetchHistory(limit, before) {
    return api.history(this.fingerprint, limit, before);
  }

  /** Sends the composer's text; the answer is shown like an event. */
  async send(text) {
    this.apply("message", await api.send(this.fingerprint, text));
  }

  /**
   * Whether this conversation is a window of the daemon's multi-window
   * model, with detectors and a state line (a colleague's, a group's); the
   * broadcasts' is not: nobody's state is shown or detected there.
   */
  get hasWindow() {
    return true;
  }

  /** Opens the daemon's window, then loads the newest history. */
  async open() {
    this.view.list.replaceChildren();
    this.view.historyStart.hidden = true;
    // Busy until the newest page is shown: screen readers wait for it.
    this.view.messages.setAttribute("aria-busy", "true");
    try {
      if (this.hasWindow) {
        if (!(await this.openWindow())) return;
        this.detectors = new WindowDetectors((signal) => this.signal(signal), this.context);
      }
      await this.loadOlder();
      this.scrollToEnd();
      this.settled = true;
    } finally {
      if (!this.closed) this.view.messages.setAttribute("aria-busy", "false");
    }
  }

  /** A window of the daemon's, and its stream; false when closed meanwhile. */
  async openWindow() {
    const opened = await api.openWindow(this.address);
    if (this.closed) {
      api.closeWindow(opened.window).catch(() => {});
      return false;
    }
    this.unsubscribe?.();
    this.window = opened.window;
    // This stream only keeps the window alive: the daemon closes a window
    // whose stream ends (a crashed tab). The page's own stream carries the events.
    this.unsubscribe = subscribe(`/v1/events?window=${this.window}`, {});
    return true;
  }

  signal(name) {
    if (this.window === null) return;
    const window = this.window;
    api.signal(window, name).catch((error) => {
      // The daemon closed the window (its stream dropped, the daemon restarted):
      // open another and say again where the user is.
      if (error.status !== 404 || this.closed || window !== this.window || this.reopening) return;
      this.reopening = true;
      this.openWindow()
        .then((open) => { if (open) this.detectors?.reportWhere(); })
        .catch(() => {})
        .finally(() => { this.reopening = false; });
    });
  }

  /** Closes the window (`keepalive` when the page itself is going away). */
  close(keepalive = false) {
    if (this.closed) return;
    this.closed = true;
    this.detectors?.close();
    if (this.window !== null) api.closeWindow(this.window, keepalive).catch(() => {});
    this.unsubscribe?.();
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder() {
    if (this.loading || this.exhausted) return;
    this.loading = true;
    try {
      const messages = await this.fetchHistory(historyPage, this.oldest ?? undefined);
      const before = this.view.messages.scrollHeight;
      const fragment = document.createDocumentFragment();
      for (const message of messages) {
        if (this.shown.has(message.id)) continue;
        fragment.append(this.render(message));
      }
      this.view.list.prepend(fragment);
      if (messages.length > 0) this.oldest = messages[0].id;
      if (messages.length < historyPage) {
        this.exhausted = true;
        this.view.historyStart.hidden = false;
      }
      // Keep the message the user was reading where it was.
      this.view.messages.scrollTop += this.view.messages.scrollHeight - before;
    } finally {
      this.loading = false;
    }
  }

  /** After the event stream was down: the newest page again, for what it missed. */
  async catchUp() {
    if (this.hasWindow ? this.window === null : !this.settled) return;
    for (const message of await this.fetchHistory(historyPage)) this.apply(this.messageKind, message);
  }

  /** The view was scrolled. */
  scrolled() {
    if (!this.settled) return;
    if (this.view.messages.scrollTop < loadOlderMargin) this.loadOlder().catch(() => {});
  }

  /** The event kind of this conversation's messages. */
  get messageKind() {
    return "message";
  }

  /** A `message` or `delivery` event for this colleague. */
  apply(kind, message) {
    const existing = this.shown.get(message.id);
    if (existing) {
      // The answer to POST /v1/messages (queued) can come after the receipt's event.
      if (existing.dataset.delivery === "delivered" && message.delivery === "queued") return;
      existing.replaceWith(this.render(message));
      return;
    }
    if (kind !== "message") return;
    const atEnd = this.isScrolledToEnd();
    this.view.list.append(this.render(message));
    if (atEnd || message.direction === "outgoing") this.scrollToEnd();
  }

  render(message) {
    const outgoing = message.direction === "outgoing";
    const item = element("li", "message " + (outgoing ? "outgoing" : "incoming"));
    item.dataset.id = message.id;
    item.dataset.delivery = message.delivery;
    const meta = element("div", "message-meta");
    meta.append(
      element("span", "message-author", outgoing ? t("you") : message.peerName),
      element("time", "message-time", shortTime(message.sentAt, this.context.language)),
    );
    item.append(meta, element("div", "message-text", message.text));
    if (outgoing) {
      const delivery = element("div", "delivery delivery-" + message.delivery, t(message.delivery));
      item.append(delivery);
    }
    this.shown.set(message.id, item);
    return item;
  }

  /** The colleague's state line (empty: nothing to show). */
  showState(text) {
    this.view.stateLine.textContent = text ?? "";
  }

  isScrolledToEnd() {
    const box = this.view.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }

  scrollToEnd() {
    this.view.messages.scrollTop = this.view.messages.scrollHeight;
  }
}
