// A group's window: a colleague's conversation (one window of the daemon's
// multi-window model, the same detectors, paging back through history),
// with the group's history in the agreed order, each message's author,
// "delivered to 2 of 3" on this user's own, membership changes as lines of
// the history ("Alice added Dave"), and every member's live state line.
import { api } from "./api.js";
import { Conversation } from "./conversation.js";
import { element, shortTime } from "./dom.js";
import { compareGroupMessages, groupDeliveryText, groupKey, groupStateLine } from "./groups.js";
import { t } from "./strings.js";

export class GroupConversation extends Conversation {
  /**
   * @param group    the GroupView
   * @param view     as for Conversation
   * @param context  as for Conversation, and `me` (this user's fingerprint)
   */
  constructor(group, view, context) {
    super(group, view, context);
    this.messages = new Map(); // id → the GroupMessageView shown
  }

  get group() {
    return this.peer;
  }

  get isGroup() {
    return true;
  }

  get key() {
    return groupKey(this.group.id);
  }

  /**
   * `#` and the group's id: the API's way to name a group as PEER (windows,
   * the sharing switch) and in paths. Not `#Name`: two groups may share a
   * name, and neither can be renamed (Docs/api.md, "Groups").
   */
  get address() {
    return `#${this.group.id}`;
  }

  get messageKind() {
    return "groupMessage";
  }

  fetchHistory(limit, before) {
    return api.groupHistory(this.address, limit, before);
  }

  async send(text) {
    this.apply("groupMessage", await api.sendGroup(this.address, text));
  }

  /** The group changed (members, what they show): the state line follows. */
  update(group) {
    this.peer = group;
    this.showState(groupStateLine(group, this.context.me));
  }

  /** A `groupMessage` or `groupDelivery` event of this group. */
  apply(kind, message) {
    const existing = this.shown.get(message.id);
    if (existing) {
      // The answer to the POST (0 delivered) can come after a receipt's event.
      if ((message.delivered ?? 0) < (this.messages.get(message.id)?.delivered ?? 0)) return;
      existing.replaceWith(this.render(message));
      return;
    }
    if (kind !== "groupMessage") return;
    const atEnd = this.isScrolledToEnd();
    // In the agreed order: before the shown messages that sort after it.
    let next = null;
    for (let candidate = this.view.list.lastElementChild; candidate; candidate = candidate.previousElementSibling) {
      const shown = this.messages.get(candidate.dataset.id);
      if (!shown || compareGroupMessages(shown, message) <= 0) break;
      next = candidate;
    }
    this.view.list.insertBefore(this.render(message), next);
    if (atEnd || message.direction === "outgoing") this.scrollToEnd();
  }

  render(message) {
    this.messages.set(message.id, message);
    const time = element("time", "message-time", shortTime(message.sentAt, this.context.language));
    let item;
    if (message.kind === "change") {
      item = element("li", "message change" + (message.refused ? " refused" : ""));
      item.append(element("span", "message-text", message.text), time);
      if (message.refused) item.append(element("span", "change-refused", t("changeRefused")));
    } else {
      const outgoing = message.direction === "outgoing";
      item = element("li", "message " + (outgoing ? "outgoing" : "incoming"));
      const meta = element("div", "message-meta");
      meta.append(element("span", "message-author", outgoing ? t("you") : message.authorName), time);
      item.append(meta, element("div", "message-text", message.text));
      if (outgoing) {
        // "delivered to 0 of 0" (everyone else left) reached nobody: not shown as delivered.
        const all = (message.recipients ?? 0) > 0 && (message.delivered ?? 0) >= message.recipients;
        item.append(element("div", "delivery group-delivery" + (all ? " delivery-delivered" : ""), groupDeliveryText(message)));
      }
    }
    item.dataset.id = message.id;
    this.shown.set(message.id, item);
    return item;
  }
}
