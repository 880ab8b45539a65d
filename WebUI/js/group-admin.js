// Creating a group and changing one from its window: the form's request,
// whom the window offers to add (colleagues not in it) and to remove (only
// the creator removes, never themselves: Docs/protocol.md §5.9, enforced by
// the daemon too), and filling the form's and the window's controls. Names
// are always text.
import { element } from "./dom.js";
import { t } from "./strings.js";

const byName = (a, b) => a.name.localeCompare(b.name) || a.fingerprint.localeCompare(b.fingerprint);

/** Colleagues who are not members of `group`, by name: whom its window offers to add. */
export function addableColleagues(peers, group) {
  const members = new Set(group.members.map((member) => member.fingerprint));
  return [...peers.values()].filter((peer) => !members.has(peer.fingerprint)).sort(byName);
}

/** The members this user may remove from `group`: every other one when it made the group, else none. */
export function removableMembers(group, me) {
  if (group.creator !== me) return [];
  return group.members.filter((member) => member.fingerprint !== me).sort(byName);
}

/** `POST /v1/groups`'s body from the form: the name as typed (`#` optional) and the checked colleagues' fingerprints. */
export function groupRequest(typedName, checked) {
  return { name: typedName.trim(), members: [...checked] };
}

/** The new-group form's colleagues, each a checkbox named by the colleague (text, never markup). */
export function renderMemberChoices(fieldset, peers) {
  for (const old of fieldset.querySelectorAll("label")) old.remove();
  for (const peer of [...peers.values()].sort(byName)) {
    const box = element("input");
    box.type = "checkbox";
    box.value = peer.fingerprint;
    const label = element("label", "control");
    label.append(box, document.createTextNode(" " + peer.name));
    fieldset.append(label);
  }
}

/**
 * A select offering `people` after a placeholder; hidden (with its button)
 * when there is nobody. The page redraws the window's head at every event (a
 * colleague typing, say), so the options are rebuilt only when whom they
 * offer changed: a choice the user made, or a list they opened, stays.
 */
export function fillChoice(select, button, placeholder, people) {
  select.hidden = people.length === 0;
  button.hidden = people.length === 0;
  const offered = JSON.stringify([t(placeholder), ...people.map((person) => [person.fingerprint, person.name])]);
  if (select.dataset.offered === offered) return;
  const option = (value, text) => {
    const made = element("option", null, text);
    made.value = value;
    return made;
  };
  const chosen = select.value;
  select.replaceChildren(option("", t(placeholder)), ...people.map((person) => option(person.fingerprint, person.name)));
  if (people.some((person) => person.fingerprint === chosen)) select.value = chosen;
  select.dataset.offered = offered;
}
