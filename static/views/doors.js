// The doors, in the moderators' console: lock or unlock the meeting (nobody new gets in while it
// is locked), and ask every participant in the plenary to mute at once (docs/protocol.md,
// "The doors"). Both are checked on the server; the buttons only send the commands.
import { $, setText } from "../dom.js";
import { t } from "../i18n.js";

export function setup(app) {
  $("doors-lock").addEventListener("click", () => {
    app.command({ type: app.meeting.state.locked ? "unlock_meeting" : "lock_meeting" });
  });
  $("mute-everyone").addEventListener("click", () => app.command({ type: "mute_everyone" }));
}

export function render(app) {
  const locked = Boolean(app.meeting.state?.locked);
  setText($("doors-state"), t(locked ? "doors.locked" : "doors.open"));
  setText($("doors-lock"), t(locked ? "doors.unlock" : "doors.lock"));
}
