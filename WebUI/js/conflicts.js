// The loud banner: a colleague's device key changed (the trust flow), or a
// device claims a name it may not have (GET /v1/conflicts, Docs/api.md).
import { element } from "./dom.js";
import { t } from "./strings.js";

/** Whether the daemon offers `natter trust` for this conflict: a colleague's new key. */
export function offersTrust(conflict) {
  return conflict.resolve.some((command) => command.startsWith("natter trust"));
}

/**
 * Redraws the banners. `onTrust(name)` and `onForget(fingerprint)`
 * return promises; a failure's sentence is shown in the banner.
 */
export function renderConflicts(container, conflicts, { onTrust, onForget }) {
  container.replaceChildren();
  for (const conflict of conflicts) {
    const trustable = offersTrust(conflict);
    const banner = element("section", "banner banner-danger conflict");
    banner.setAttribute("role", "alert");
    banner.dataset.fingerprint = conflict.fingerprint;
    const title = trustable
      ? t("keyChangedTitle", conflict.name)
      : conflict.ownName ? t("ownNameConflictTitle", conflict.name) : t("nameConflictTitle", conflict.name);
    const body = trustable
      ? t("keyChangedBody", conflict.name)
      : conflict.ownName ? t("ownNameConflictBody") : t("nameConflictBody", conflict.name);
    banner.append(element("h2", "banner-title", title), element("p", "", body));

    const keys = element("dl", "keys");
    keys.append(...keyRow(t("newKey"), "new-key", conflict.fingerprintGroups), ...keyRow(t("pinnedKey"), "pinned-key", conflict.pinnedGroups));
    banner.append(keys);

    const problem = element("p", "error");
    problem.hidden = true;
    const report = (promise) => promise.catch((error) => {
      problem.textContent = error.message;
      problem.hidden = false;
    });
    const actions = element("div", "actions");
    if (trustable) {
      const confirm = element("label", "confirm");
      const check = element("input");
      check.type = "checkbox";
      check.className = "compared";
      const trust = element("button", "trust", t("trust", conflict.name));
      trust.type = "button";
      trust.disabled = true;
      check.addEventListener("change", () => { trust.disabled = !check.checked; });
      trust.addEventListener("click", () => report(onTrust(conflict.name)));
      confirm.append(check, document.createTextNode(" " + t("compared", conflict.name)));
      actions.append(confirm, trust);
    }
    const forget = element("button", "forget", t("forget"));
    forget.type = "button";
    forget.addEventListener("click", () => report(onForget(conflict.fingerprint)));
    actions.append(forget);
    banner.append(actions, problem);
    container.append(banner);
  }
}

function keyRow(label, className, fingerprintGroups) {
  const value = element("dd");
  value.append(element("code", className, fingerprintGroups));
  return [element("dt", "", label), value];
}
