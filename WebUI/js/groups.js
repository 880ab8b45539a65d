// The groups beside the colleagues: the sidebar's "Groups" section, and the
// pure rules a group window needs (its state line, the agreed order, the
// per-member delivery line). A group's name and its members' text are
// always text, never markup.
import { element, unreadBadge } from "./dom.js";
import { t } from "./strings.js";

/** The key of a group in the page's unread counts and selection (never a fingerprint). */
export function groupKey(id) {
  return `group:${id}`;
}

/** The key of the "To everyone" window (`natter send --everyone`'s broadcasts). */
export const everyoneKey = "everyone";

/** The groups to list: those this user is still in, by name. */
export function listedGroups(groups) {
  return [...groups.values()].filter((group) => group.joined).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * The group window's state line: what each other member shows in it now,
 * in the roster's order, joined with " · " as `natter chat '#Name'` does.
 * The texts are the daemon's (NatterCore's displayText, the user's language),
 * which clears a member's state when they go offline.
 */
export function groupStateLine(group, me) {
  return group.members
    .filter((member) => member.fingerprint !== me && member.text)
    .map((member) => member.text)
    .join(" · ");
}

/**
 * The agreed order (Docs/protocol.md §5.9): hybrid timestamp, then the
 * author's fingerprint, then the id. A timestamp above 2^53 loses its last
 * bits in JavaScript, so two messages of the same millisecond may fall back
 * to author and id here; the history the daemon serves is exact.
 */
export function compareGroupMessages(a, b) {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** "delivered to 2 of 3" for an outgoing group message. */
export function groupDeliveryText(message) {
  return t("deliveredOf", message.delivered ?? 0, message.recipients ?? 0);
}

/**
 * Redraws the sidebar's group list: "To everyone" first when `everyone` (there
 * is someone to reach, or a broadcast to read), then the joined groups; the
 * section is hidden when it would be empty.
 */
export function renderGroups(list, title, groups, { unread, selected, me, onSelect, everyone, onSelectEveryone }) {
  list.replaceChildren();
  const shown = listedGroups(groups);
  title.hidden = shown.length === 0 && !everyone;
  if (everyone) list.append(everyoneItem(unread.get(everyoneKey) ?? 0, selected === everyoneKey, onSelectEveryone));
  for (const group of shown) {
    const key = groupKey(group.id);
    const item = element("li", "group colleague online" + (key === selected ? " selected" : ""));
    item.dataset.group = group.id;
    const button = element("button", "colleague-button");
    button.type = "button";
    button.addEventListener("click", () => onSelect(group.id));
    const top = element("span", "colleague-top");
    top.append(element("span", "colleague-name group-name", `#${group.name}`));
    const count = unread.get(key) ?? 0;
    const badge = unreadBadge(count, t("unread", count));
    if (badge) top.append(badge);
    button.append(
      top,
      element("span", "colleague-presence", t("memberCount", group.members.length)),
      element("span", "colleague-state", groupStateLine(group, me)),
    );
    item.append(button);
    list.append(item);
  }
}

function everyoneItem(count, selected, onSelect) {
  const item = element("li", "everyone colleague online" + (selected ? " selected" : ""));
  const button = element("button", "colleague-button");
  button.type = "button";
  button.addEventListener("click", () => onSelect());
  const top = element("span", "colleague-top");
  top.append(element("span", "colleague-name everyone-name", t("everyone")));
  const badge = unreadBadge(count, t("unread", count));
  if (badge) top.append(badge);
  button.append(top);
  item.append(button);
  return item;
}
