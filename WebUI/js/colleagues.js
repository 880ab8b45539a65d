// The colleague list: online first (the daemon's order), presence, each
// colleague's live state line as the daemon words it, unread counts.
import { element, unreadBadge } from "./dom.js";
import { t } from "./strings.js";

/**
 * Redraws the list. `peers`: PeerView by fingerprint (in the daemon's order),
 * `unread`: counts by fingerprint, `selected`: the open conversation's fingerprint.
 */
export function renderColleagues(list, peers, { unread, selected, onSelect }) {
  list.replaceChildren();
  for (const peer of peers.values()) {
    const item = element("li", "colleague" + (peer.online ? " online" : " offline") + (peer.fingerprint === selected ? " selected" : ""));
    item.dataset.fingerprint = peer.fingerprint;
    const button = element("button", "colleague-button");
    button.type = "button";
    button.addEventListener("click", () => onSelect(peer.fingerprint));

    const top = element("span", "colleague-top");
    const dot = element("span", "presence-dot " + presenceClass(peer));
    dot.title = presenceText(peer);
    top.append(dot, element("span", "colleague-name", peer.name));
    const count = unread.get(peer.fingerprint) ?? 0;
    const badge = unreadBadge(count, t("unread", count));
    if (badge) top.append(badge);
    button.append(top, element("span", "colleague-presence", presenceText(peer)));
    const state = element("span", "colleague-state", peer.online && peer.text ? peer.text : "");
    button.append(state);
    item.append(button);
    list.append(item);
  }
}

export function presenceClass(peer) {
  return peer.online ? `presence-${peer.status ?? "available"}` : "presence-offline";
}

/** "online · busy" style words for a colleague's presence. */
export function presenceText(peer) {
  if (!peer.online) return t("offline");
  return peer.status && peer.status !== "available" ? `${t("online")} · ${t(peer.status)}` : t("online");
}
