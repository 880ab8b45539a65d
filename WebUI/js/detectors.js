// The patent's detectors for one conversation window of the page (one
// window of the daemon's multi-window model, Docs/session-states.md): what
// the browser reports becomes the signals `natter chat` sends.
//
//   composer input, not empty   keystroke   (at most one per keystrokeInterval, the last one never dropped)
//   composer input, now empty   inputCleared
//   the message sent            messageSent
//   window focus / blur         focused / unfocused
//   page hidden / visible       minimized / restored
//   input anywhere in the page  activity    (at most one per activityInterval, the first at once)
//   pagehide, closing the view  the window deleted (closed)
//
// The rules are here, free of the DOM and of fetch: `send` carries a signal
// out and `clock` gives the time and timers, so the mapping can be driven
// by a test clock. Nothing is sent twice in a row for focus or visibility.

/** Keystrokes closer together than this are reported once (the latest at its end). */
export const keystrokeInterval = 500;
/** Page-wide input is reported at most this often; the engine's away preset is minutes. */
export const activityInterval = 2000;

export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

export class WindowDetectors {
  /**
   * @param send      (signal) => void, one of Docs/api.md's signal names
   * @param focused   whether the page has focus now
   * @param visible   whether the page is visible now
   */
  constructor(send, { focused, visible }, clock = systemClock) {
    this.send = send;
    this.clock = clock;
    this.focused = focused;
    this.visible = visible;
    this.composerEmpty = true;
    this.lastKeystrokeSent = -Infinity;
    this.pendingKeystroke = null;
    this.lastActivitySent = -Infinity;
    this.closed = false;
    this.reportWhere();
  }

  /** Where the user is right now: a window's first report, and again for a window reopened. */
  reportWhere() {
    if (!this.visible) this.emit("minimized");
    else this.emit(this.focused ? "focused" : "unfocused");
    if (!this.composerEmpty) this.emit("keystroke");
  }

  emit(signal) {
    if (!this.closed) this.send(signal);
  }

  /** The composer's text after an input event. */
  composerChanged(text) {
    if (text.length === 0) {
      this.cancelKeystroke();
      if (!this.composerEmpty) this.emit("inputCleared");
      this.composerEmpty = true;
      return;
    }
    this.composerEmpty = false;
    const now = this.clock.now();
    if (now - this.lastKeystrokeSent >= keystrokeInterval && this.pendingKeystroke === null) {
      this.lastKeystrokeSent = now;
      this.emit("keystroke");
    } else if (this.pendingKeystroke === null) {
      const wait = Math.max(0, this.lastKeystrokeSent + keystrokeInterval - now);
      this.pendingKeystroke = this.clock.setTimeout(() => {
        this.pendingKeystroke = null;
        this.lastKeystrokeSent = this.clock.now();
        this.emit("keystroke");
      }, wait);
    }
  }

  /** The composer's text was sent (the caller has posted it). */
  submitted() {
    this.cancelKeystroke();
    this.composerEmpty = true;
    this.emit("messageSent");
  }

  focusChanged(focused) {
    if (focused === this.focused) return;
    this.focused = focused;
    this.emit(focused ? "focused" : "unfocused");
  }

  visibilityChanged(visible) {
    if (visible === this.visible) return;
    this.visible = visible;
    this.emit(visible ? "restored" : "minimized");
  }

  /** Any other input in the page: a key, the pointer, the wheel, a touch. */
  activity() {
    const now = this.clock.now();
    if (now - this.lastActivitySent < activityInterval) return;
    this.lastActivitySent = now;
    this.emit("activity");
  }

  /** The window is closing: nothing more is sent. */
  close() {
    this.cancelKeystroke();
    this.closed = true;
  }

  cancelKeystroke() {
    if (this.pendingKeystroke === null) return;
    this.clock.clearTimeout(this.pendingKeystroke);
    this.pendingKeystroke = null;
  }
}
