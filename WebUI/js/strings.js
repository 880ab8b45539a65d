// The page's own words in English and Simplified Chinese. The colleagues'
// state lines are not here: the daemon sends them ("Alice is typing…"),
// made by NatterCore's displayText, so the brief's exact texts have one source.

const english = {
  presence: "Status",
  available: "available",
  away: "away",
  busy: "busy",
  shareGlobal: "Share my session state",
  enableNotifications: "Turn on notifications",
  yourFingerprint: "Your fingerprint:",
  theirFingerprint: "Fingerprint:",
  colleagues: "Colleagues",
  noColleagues: "No colleagues yet. They appear when they run natter on this network.",
  closeConversation: "Close",
  sharePeer: "Share my state with them:",
  shareDefault: (on) => on ? "as for everyone (on)" : "as for everyone (off)",
  shareOn: "always",
  shareOff: "never",
  historyStart: "This is the start of your conversation.",
  send: "Send",
  pickColleague: "Pick a colleague to start a conversation.",
  online: "online",
  offline: "offline",
  queued: "queued",
  delivered: "delivered",
  you: "You",
  unread: (count) => `${count} unread`,
  expired: "Your session has expired. Run `natter open` again to open natter here.",
  daemonDown: "natter is not answering. Is `natter up` running? Retrying…",
  keyChangedTitle: (name) => `Warning: ${name}'s device key has changed`,
  keyChangedBody: (name) =>
    `A device with a new key says it is ${name}. This happens when ${name} reinstalls or gets a new computer — or when someone pretends to be ${name}. Messages to ${name} still go to the device you trusted.`,
  newKey: "The new device's fingerprint:",
  pinnedKey: "The fingerprint you trusted:",
  compared: (name) => `I compared the new fingerprint with ${name} in person (or on the phone), and it matches.`,
  trust: (name) => `Trust the new key for ${name}`,
  forget: "Forget this device",
  nameConflictTitle: (name) => `Another device claims the name ${name}`,
  nameConflictBody: (name) =>
    `It is not the device you know as ${name}, so natter refuses it and keeps talking to the real one. Forget it unless you know what it is.`,
  ownNameConflictTitle: (name) => `Another device claims your own name, ${name}`,
  ownNameConflictBody: "natter refuses it. Forget it unless you know what it is.",
  trusted: (name) => `${name}'s new key is trusted.`,
  sendFailed: (reason) => `Not sent: ${reason}`,
  notificationFallback: "New message",
  groups: "Groups",
  memberCount: (count) => (count === 1 ? "1 member" : `${count} members`),
  members: (names) => `Members: ${names}`,
  deliveredOf: (delivered, recipients) => `delivered to ${delivered} of ${recipients}`,
  groupStart: "This is the start of the group's conversation.",
  changeRefused: "(refused: it changed nothing)",
  groupNotificationTitle: (author, group) => `${author} in #${group}`,
  everyone: "To everyone",
  everyoneAbout: "Every colleague natter knows gets these; those offline get them when they are back.",
  everyoneStart: "This is the start of the messages to everyone.",
  everyoneNotificationTitle: (author) => `${author} to everyone`,
  newGroup: "New group…",
  groupName: "Name",
  groupMembers: "Members",
  createGroup: "Create group",
  cancel: "Cancel",
  addMember: "Add",
  addWho: "Add a colleague…",
  removeMember: "Remove",
  removeWho: "Remove a member…",
  leaveGroup: "Leave group",
  leaveConfirm: "Leave the group? What you sent is still delivered.",
  groupFailed: (reason) => `Not done: ${reason}`,
};

const chinese = {
  presence: "状态",
  available: "有空",
  away: "离开",
  busy: "忙碌",
  shareGlobal: "共享我的会话状态",
  enableNotifications: "开启桌面通知",
  yourFingerprint: "你的指纹：",
  theirFingerprint: "指纹：",
  colleagues: "同事",
  noColleagues: "还没有同事。他们在本网络上运行 natter 后就会出现。",
  closeConversation: "关闭",
  sharePeer: "向对方共享我的状态：",
  shareDefault: (on) => on ? "与全局设置相同（开）" : "与全局设置相同（关）",
  shareOn: "始终",
  shareOff: "从不",
  historyStart: "这是你们会话的开始。",
  send: "发送",
  pickColleague: "选择一位同事开始会话。",
  online: "在线",
  offline: "离线",
  queued: "排队中",
  delivered: "已送达",
  you: "我",
  unread: (count) => `${count} 条未读`,
  expired: "会话已过期。请再次运行 `natter open` 在这里打开 natter。",
  daemonDown: "natter 没有响应。`natter up` 在运行吗？正在重试…",
  keyChangedTitle: (name) => `警告：${name}的设备密钥已更改`,
  keyChangedBody: (name) =>
    `一台使用新密钥的设备自称是${name}。${name}重装系统或换了电脑时会出现这种情况——也可能有人在冒充${name}。发给${name}的消息仍然只发往你信任的设备。`,
  newKey: "新设备的指纹：",
  pinnedKey: "你信任的指纹：",
  compared: (name) => `我已当面（或通过电话）与${name}核对了新指纹，二者一致。`,
  trust: (name) => `信任${name}的新密钥`,
  forget: "忘记这台设备",
  nameConflictTitle: (name) => `另一台设备自称${name}`,
  nameConflictBody: (name) =>
    `它不是你所知道的${name}的设备，natter 拒绝了它，并继续与真正的${name}通信。除非你知道它是什么，否则请忘记它。`,
  ownNameConflictTitle: (name) => `另一台设备使用了你自己的名字：${name}`,
  ownNameConflictBody: "natter 拒绝了它。除非你知道它是什么，否则请忘记它。",
  trusted: (name) => `已信任${name}的新密钥。`,
  sendFailed: (reason) => `未发送：${reason}`,
  notificationFallback: "新消息",
  groups: "群组",
  memberCount: (count) => `${count} 位成员`,
  members: (names) => `成员：${names}`,
  deliveredOf: (delivered, recipients) => `已送达 ${recipients} 人中的 ${delivered} 人`,
  groupStart: "这是群组会话的开始。",
  changeRefused: "（被拒绝：未做任何更改）",
  groupNotificationTitle: (author, group) => `${author}（#${group}）`,
  everyone: "发给所有人",
  everyoneAbout: "natter 认识的每位同事都会收到；不在线的同事上线后收到。",
  everyoneStart: "这是发给所有人的消息的开头。",
  everyoneNotificationTitle: (author) => `${author}（发给所有人）`,
  newGroup: "新建群组…",
  groupName: "名称",
  groupMembers: "成员",
  createGroup: "创建群组",
  cancel: "取消",
  addMember: "添加",
  addWho: "添加同事…",
  removeMember: "移除",
  removeWho: "移除成员…",
  leaveGroup: "退出群组",
  leaveConfirm: "要退出群组吗？你已发送的消息仍会送达。",
  groupFailed: (reason) => `未完成：${reason}`,
};

const tables = { en: english, zh: chinese };

let current = english;

/** Chooses the table for the user's `language` setting ("en" or "zh"). */
export function useLanguage(language) {
  current = tables[language] ?? english;
  document.documentElement.lang = language === "zh" ? "zh-Hans" : "en";
}

/** The text for `key`; a function's arguments are passed through. */
export function t(key, ...args) {
  const entry = current[key];
  return typeof entry === "function" ? entry(...args) : entry;
}

/** Fills every element with a `data-text` attribute from the table. */
export function translateStatic(root = document) {
  for (const element of root.querySelectorAll("[data-text]")) {
    element.textContent = t(element.dataset.text);
  }
}
