// Desktop notifications (the browser's Notification API) for a message that
// arrives while its conversation is not visible; clicking one focuses the
// page and opens that conversation. None while the conversation is visible.
import { t } from "./strings.js";

export function notificationsSupported() {
  return typeof Notification !== "undefined";
}

/** Whether the page should ask (the browser lets it ask only on a click). */
export function mayAsk() {
  return notificationsSupported() && Notification.permission === "default";
}

export async function ask() {
  if (!mayAsk()) return Notification.permission;
  return Notification.requestPermission();
}

/**
 * Whether an incoming message needs a notification: its conversation is
 * not the one open, or the page is hidden or not focused.
 */
export function needsNotification(message, { openFingerprint, visible, focused }) {
  if (message.direction !== "incoming") return false;
  return !(message.peer === openFingerprint && visible && focused);
}

/** Shows one; `onClick` opens the conversation. */
export function notify(message, onClick) {
  if (!notificationsSupported() || Notification.permission !== "granted") return null;
  const shown = new Notification(message.peerName || t("notificationFallback"), {
    body: message.text,
    tag: message.id,
  });
  shown.addEventListener("click", () => {
    window.focus();
    onClick();
    shown.close();
  });
  return shown;
}
