// What needs a moderator now, at the top of every view: each call for help (with the way to its
// room and to dismiss it) and the people waiting in the lobby (with letting them in, and the way
// to the lobby in the console). Each was announced as it came (announcements.js); this is what
// stays in sight until it is dealt with.
import { $, el, reconcile, setText, show } from "../dom.js";
import { t, timeOfDay } from "../i18n.js";
import { showConsole } from "./layout.js";

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const waiting = Object.values(s.lobby ?? {});
  const items = meeting.isModerator ? [
    ...s.help_queue.map((call) => ({ key: `help-${call.participant}`, call })),
    ...(waiting.length ? [{ key: "lobby", waiting }] : []),
  ] : [];
  show($("alerts"), items.length > 0);
  reconcile($("alert-list"), items, (item) => item.key,
    (item) => (item.call ? helpItem(app, item.call) : lobbyItem(app)),
    (li, item) => (item.call ? updateHelp(app, li, item.call) : updateLobby(app, li, item.waiting)));
}

function helpItem(app, call) {
  return el("li", { class: "alert-help" }, el("span", { class: "what" }),
    // Going to help: the stage of that room, not the console.
    el("button", { type: "button", class: "visit", onclick: () => {
      if (app.command({ type: "visit", room: call.room })) showConsole(app, false);
    } }),
    el("button", { type: "button", class: "dismiss", onclick: () => app.command({ type: "dismiss_help", participant: call.participant }) }));
}

function updateHelp(app, li, call) {
  const words = { name: app.nameOf(call.participant), room: app.roomName(call.room), time: timeOfDay(call.at) };
  setText(li.querySelector(".what"), t("alerts.help", words));
  setText(li.querySelector(".visit"), t("console.join_room"));
  li.querySelector(".visit").setAttribute("aria-label", t("console.join_room_named", words));
  setText(li.querySelector(".dismiss"), t("console.dismiss"));
  li.querySelector(".dismiss").setAttribute("aria-label", t("console.dismiss_named", words));
}

function lobbyItem(app) {
  return el("li", { class: "alert-lobby" }, el("span", { class: "what" }),
    el("button", { type: "button", class: "admit", onclick: () => app.command({ type: "admit_all" }) }),
    el("button", { type: "button", class: "open", onclick: () => {
      showConsole(app, true);
      $("lobby-heading").scrollIntoView({ block: "start" });
      $("lobby-list").querySelector("button")?.focus();
    } }));
}

function updateLobby(app, li, waiting) {
  const names = waiting.map((w) => w.name).join(", ");
  setText(li.querySelector(".what"), waiting.length === 1
    ? t("alerts.lobby_one", { name: names }) : t("alerts.lobby_many", { n: String(waiting.length), names }));
  setText(li.querySelector(".admit"), t(waiting.length === 1 ? "lobby.admit" : "lobby.admit_all"));
  setText(li.querySelector(".open"), t("alerts.lobby_open"));
}
