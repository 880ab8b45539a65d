// The "To everyone" window: the broadcasts (`natter send --everyone`) sent
// and received, oldest first, each with its author and, on this user's own,
// "delivered to 3 of 5"; the composer sends one to every colleague natter
// knows. Not a window of the daemon's model: a broadcast has no members and
// no session states, so nothing is detected or shown here.
import { api } from "./api.js";
import { GroupConversation } from "./group-conversation.js";
import { everyoneKey } from "./groups.js";

export class EveryoneConversation extends GroupConversation {
  /**
   * @param view     as for Conversation
   * @param context  as for GroupConversation
   */
  constructor(view, context) {
    super({ id: null, name: "", members: [] }, view, context);
  }

  get isGroup() {
    return false;
  }

  get isEveryone() {
    return true;
  }

  get hasWindow() {
    return false;
  }

  get key() {
    return everyoneKey;
  }

  fetchHistory(limit, before) {
    return api.broadcasts(limit, before);
  }

  async send(text) {
    this.apply("groupMessage", await api.broadcast(text));
  }

  update() {}
}
