// A workshop room: its name and topic, the time left with the warning, the call for help, the
// closing countdown, and the moderators' broadcasts shown prominently. The timer is for everyone.
import { $, setOptions, setText, show } from "../dom.js";
import { t, countdown, timeOfDay } from "../i18n.js";
import { PLENARY } from "../state.js";

export function setup(app) {
  $("help").addEventListener("click", () => {
    const calling = app.meeting.state.help_queue.some((call) => call.participant === app.meeting.you);
    app.command({ type: calling ? "cancel_help" : "request_help" });
  });
  $("back").addEventListener("click", () => app.command({ type: "visit", room: PLENARY }));
  $("choose-go").addEventListener("click", () => app.command({ type: "choose_room", room: $("choose-room").value }));
  $("broadcast-dismiss").addEventListener("click", () => {
    show($("broadcast"), false);
    $("main").focus();
  });
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const room = meeting.myRoom;
  const inWorkshop = room !== PLENARY;
  const workshop = s.workshops[room];
  show($("where"), true);
  setText($("where"), inWorkshop ? t("workshop.where", { room: app.roomName(room) }) : t("rooms.plenary"));
  show($("topic"), Boolean(inWorkshop && workshop?.topic));
  setText($("topic"), workshop?.topic ? t("workshop.topic", { topic: workshop.topic }) : "");

  // After an extension, the new end in the person's own time format, until the next change.
  const extended = s.phase === "open" && app.extendedTo && app.extendedTo === s.clock.deadline;
  show($("extended"), Boolean(extended));
  if (extended) setText($("extended"), t("workshop.extended", { time: timeOfDay(s.clock.deadline) }));

  const calling = s.help_queue.some((call) => call.participant === meeting.you);
  show($("help"), inWorkshop && s.phase === "open" && !meeting.isModerator);
  setText($("help"), t(calling ? "help.cancel" : "help.ask"));
  show($("back"), inWorkshop && meeting.isModerator);

  const choosing = s.self_select && !meeting.isModerator && meeting.rooms().length > 0;
  show($("choose"), choosing);
  if (choosing) {
    setOptions($("choose-room"), [[PLENARY, t("rooms.plenary")], ...meeting.rooms().map((r) => [r.id, r.name])]);
  }
  tick(app);
}

// Once a second: the time left and the closing countdown (not announced each second).
export function tick(app) {
  const s = app.meeting.state;
  if (!s) return;
  const now = Date.now() / 1000;
  const running = s.phase !== "plenary" && (s.clock.deadline || s.phase === "closing");
  show($("timer"), Boolean(running));
  $("timer").classList.toggle("warning", Boolean(s.clock.warned) || s.phase === "closing");
  if (s.phase === "open" && s.clock.deadline) {
    const left = countdown(s.clock.deadline - now);
    setText($("timer"), t(s.clock.warned ? "workshop.time_left_warning" : "workshop.time_left", { left }));
  } else if (s.phase === "closing") {
    setText($("timer"), t("workshop.closing_short", { left: countdown(s.clock.grace_ends_at - now) }));
  }
  const closing = s.phase === "closing" && app.meeting.myRoom !== PLENARY;
  show($("closing"), closing);
  if (closing) setText($("closing"), t("workshop.closing", { left: countdown(s.clock.grace_ends_at - now) }));
}

export function broadcast(app, e) {
  setText($("broadcast-text"), e.text);
  setText($("broadcast-meta"), t("broadcast.from", { name: app.nameOf(e.sender), time: timeOfDay(e.at) }));
  show($("broadcast"), true);
}
