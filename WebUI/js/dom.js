// Building elements. A colleague's text and name are always text
// (textContent / text nodes), never markup: nothing here parses HTML.

/** An element with a class and, optionally, text. */
export function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined && text !== null) made.textContent = text;
  return made;
}

/** A sidebar entry's unread badge ("3", titled "3 unread"); null when nothing is unread. */
export function unreadBadge(count, title) {
  if (count <= 0) return null;
  const badge = element("span", "unread", String(count));
  badge.title = title;
  return badge;
}

/** A fingerprint in groups of four, for reading aloud. */
export function grouped(fingerprint) {
  return fingerprint.match(/.{1,4}/g)?.join(" ") ?? fingerprint;
}

/** A message's time: hours and minutes today, else the date too. */
export function shortTime(unixMilliseconds, language) {
  const date = new Date(unixMilliseconds);
  const locale = language === "zh" ? "zh-CN" : "en-GB";
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
