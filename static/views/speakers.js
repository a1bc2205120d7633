// The speakers' list: the hand queue in speaking order, who has the floor and the time they have
// left (a countdown on the server's deadline, ticking here each second; screen readers hear only
// its warning and its end, from announcements.js). Each waiting speaker sees their place;
// moderators reorder the list, give the floor to the next one in one action (for the meeting's
// time or one they set), add time, and take the floor back.
import { $, el, reconcile, setPerson, setText, show } from "../dom.js";
import { t, countdown, ordinal } from "../i18n.js";
import { badge } from "./people.js";

const EXTEND_S = 60; // what "Add a minute" adds

export function setup(app) {
  $("give-next").addEventListener("click", () => give(app, null));
  $("take-floor").addEventListener("click", () => app.command({ type: "take_floor" }));
  $("clear-hands").addEventListener("click", () => app.command({ type: "clear_all_hands" }));
  $("extend-floor").addEventListener("click", () => app.command({ type: "extend_floor", seconds: EXTEND_S }));
}

// The floor to `participant`, or to the next on the list (null), for the speaking time the
// moderator set, or, with none set, the meeting's `floor_limit_s`.
function give(app, participant) {
  const minutes = Number($("floor-minutes").value);
  const limit = $("floor-minutes").value && minutes > 0 ? { limit_s: Math.max(1, Math.round(minutes * 60)) } : {};
  app.command({ type: "give_floor", ...(participant ? { participant } : {}), ...limit }, {
    refused: (error) => app.problem(error.code === "invalid"
      ? t("speakers.refused_limit", { max: countdown(app.meeting.limits.max_floor_limit_s) })
      : app.errorText(error)),
  });
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const you = meeting.you;
  const queue = s.hand_queue;
  setText($("floor-holder"), s.floor ? t("hands.floor_holder", { name: app.nameOf(s.floor) }) : t("hands.no_floor"));
  const place = queue.indexOf(you) + 1;
  show($("hand-place"), place > 0);
  if (place > 0) setText($("hand-place"), t(place === 1 ? "speakers.you_next" : "speakers.your_place", { nth: ordinal(place) }));
  show($("hands-empty"), queue.length === 0);

  show($("floor-controls"), meeting.isModerator);
  $("take-floor").disabled = !s.floor;
  $("give-next").disabled = queue.length === 0;
  $("extend-floor").disabled = !s.floor_clock.deadline;
  const fallback = meeting.limits.floor_limit_s;
  setText($("floor-minutes-hint"), fallback ? t("speakers.minutes_hint", { left: countdown(fallback) }) : t("speakers.minutes_hint_none"));
  $("floor-minutes").max = String(meeting.limits.max_floor_limit_s / 60);

  reconcile($("hand-queue"), queue, (id) => id,
    (id) => el("li", {}, el("span", { class: "who" }), el("span", { class: "you hint" }),
      el("span", { class: "moves" },
        el("button", { type: "button", class: "give", onclick: () => give(app, id) }),
        el("button", { type: "button", class: "top", onclick: () => move(app, id, 1) }),
        el("button", { type: "button", class: "up", onclick: () => move(app, id, app.meeting.state.hand_queue.indexOf(id)) }),
        el("button", { type: "button", class: "down", onclick: () => move(app, id, app.meeting.state.hand_queue.indexOf(id) + 2) }),
        el("button", { type: "button", class: "clear", onclick: () => app.command({ type: "clear_hand", participant: id }) }))),
    (li, id) => {
      const name = app.nameOf(id);
      const at = queue.indexOf(id) + 1;
      setPerson(li.querySelector(".who"), name, badge(app, id));
      setText(li.querySelector(".you"), id === you ? ` · ${t("people.you")}` : "");
      show(li.querySelector(".moves"), meeting.isModerator);
      const buttons = [[".give", "hands.give", true], [".top", "speakers.top", at > 1],
        [".up", "speakers.up", at > 1], [".down", "speakers.down", at < queue.length], [".clear", "hands.clear", true]];
      for (const [selector, key, may] of buttons) {
        const button = li.querySelector(selector);
        show(button, may);
        setText(button, t(key));
        button.setAttribute("aria-label", t(`${key}_named`, { name }));
      }
    });
  tick(app);
}

function move(app, participant, place) {
  const queue = app.meeting.state.hand_queue;
  if (place >= 1 && place <= queue.length && queue.indexOf(participant) + 1 !== place) {
    app.command({ type: "move_hand", participant, place });
  }
}

// Once a second: the floor's time left, for everyone in the list and for the speaker at the top.
export function tick(app) {
  const s = app.meeting.state;
  if (!s) return;
  const { deadline, warned } = s.floor_clock;
  const running = Boolean(s.floor && deadline);
  const left = running ? countdown(deadline - Date.now() / 1000) : "";
  const clock = $("floor-clock");
  show(clock, running);
  clock.classList.toggle("warning", running && warned);
  if (running) setText(clock, t(warned ? "speakers.left_warning" : "speakers.left", { name: app.nameOf(s.floor), left }));
  const mine = running && s.floor === app.meeting.you;
  const own = $("floor-countdown");
  show(own, mine);
  own.classList.toggle("warning", mine && warned);
  if (mine) setText(own, t(warned ? "speakers.your_left_warning" : "speakers.your_left", { left }));
}
