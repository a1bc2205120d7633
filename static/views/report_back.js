// The report-back (rooms/report_back.py): under the plenary's video, everyone sees the room
// reporting now, its rapporteur, the time they have left (the floor's countdown, ticking here
// each second, read out only at its warning and end, as the speakers' list's), the room's notes
// as text, and which rooms are done and which wait, each status in words. Moderators start it
// from the console on the rooms they tick, move on, call any room, move a waiting room up or
// down, and end it; every control names its room.
import { $, el, reconcile, setPerson, setText, show } from "../dom.js";
import { t, countdown, ordinal } from "../i18n.js";
import { renderNotes } from "../notes_text.js";
import { badge } from "./people.js";

export function setup(app) {
  $("report-next").addEventListener("click", () => app.command({ type: "next_report" }));
  $("report-end").addEventListener("click", () => app.command({ type: "end_report_back" }));
  $("report-candidates").addEventListener("change", startable);
  $("report-start-button").addEventListener("click", () => {
    const rooms = [...$("report-candidates").querySelectorAll("input:checked")].map((box) => box.value);
    if (rooms.length) app.command({ type: "start_report_back", rooms });
  });
}

// Every room that may report: the workshop rooms and the deleted ones whose notes remain, in
// the order they were created (ids are "room-<n>").
function candidates(s) {
  const ids = new Set([...Object.keys(s.notes), ...Object.keys(s.workshops)]);
  return [...ids].sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1]));
}

// What the report-back reports by default (rooms.report_back.start): notes written, or a rapporteur.
const hasReport = (notes) => Boolean(notes && (notes.text.trim() || notes.rapporteur));

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const reports = s.report_back;
  renderStart(app);
  show($("report-back"), reports.running);
  if (!reports.running) return;

  const current = reports.current;
  const notes = current === null ? null : s.notes[current];
  const name = (room) => app.roomName(room);
  setText($("report-now"), current === null ? t("report.nobody_now") : t("report.now", { room: name(current) }));
  // The rapporteur: their name as they typed it, in a <bdi> with their role's badge (dom.js).
  const rapporteur = notes?.rapporteur ?? null;
  show($("report-rapporteur"), current !== null);
  if (current !== null) {
    const person = rapporteur === null ? null : meeting.person(rapporteur);
    setText($("report-rapporteur-label"), t(rapporteur === null ? "report.no_rapporteur" : "report.rapporteur_label"));
    show($("report-rapporteur-who"), rapporteur !== null);
    if (rapporteur !== null) setPerson($("report-rapporteur-who"), app.nameOf(rapporteur), badge(app, rapporteur));
    const away = rapporteur !== null && !person?.connected;
    show($("report-rapporteur-away"), away);
    setText($("report-rapporteur-away"), away ? ` (${t("report.away")})` : "");
  }
  show($("report-notes"), current !== null);
  if (current !== null) {
    setText($("report-notes-heading"), t("report.notes_of", { room: name(current) }));
    const text = notes?.text ?? "";
    renderNotes($("report-notes-text"), text, 5);
    show($("report-notes-empty"), !text.trim());
  }

  // The rooms in the order they came and will come: done, on now, waiting.
  const rooms = [
    ...reports.done.map((room) => ({ room, status: "done" })),
    ...(current === null ? [] : [{ room: current, status: "current" }]),
    ...reports.waiting.map((room, i) => ({ room, status: "waiting", place: i + 1 })),
  ];
  const moderator = meeting.isModerator;
  reconcile($("report-rooms"), rooms, ({ room }) => room,
    ({ room }) => el("li", {}, el("span", { class: "room" }), el("span", { class: "report-status" }),
      el("span", { class: "report-actions" },
        el("button", { type: "button", class: "report-call", onclick: () => app.command({ type: "call_report", room }) }),
        el("button", { type: "button", class: "report-up", onclick: () => move(app, room, -1) }),
        el("button", { type: "button", class: "report-down", onclick: () => move(app, room, +1) }))),
    (li, { room, status, place }) => {
      li.dataset.status = status;
      if (status === "current") li.setAttribute("aria-current", "true");
      else li.removeAttribute("aria-current");
      setText(li.querySelector(".room"), name(room));
      const words = status === "waiting" ? (place === 1 ? t("report.status_next") : t("report.status_waiting", { nth: ordinal(place) }))
        : t(`report.status_${status}`);
      setText(li.querySelector(".report-status"), ` · ${words}`);
      show(li.querySelector(".report-actions"), moderator && status !== "current");
      if (!moderator) return;
      const label = { room: name(room) };
      const call = li.querySelector(".report-call");
      setText(call, t(status === "done" ? "report.call_again" : "report.call"));
      call.setAttribute("aria-label", t(status === "done" ? "report.call_again_room" : "report.call_room", label));
      for (const [cls, key, shown] of [
        [".report-up", "up", status === "waiting" && place > 1],
        [".report-down", "down", status === "waiting" && place < reports.waiting.length],
      ]) {
        const button = li.querySelector(cls);
        show(button, shown);
        setText(button, t(`report.${key}`));
        button.setAttribute("aria-label", t(`report.${key}_room`, label));
      }
    });

  show($("report-controls"), moderator);
  if (moderator) {
    const next = reports.waiting[0];
    const button = $("report-next");
    button.disabled = !next && current === null;
    setText(button, next ? t("report.next", { room: name(next) })
      : current !== null ? t("report.end_report", { room: name(current) }) : t("report.all_done"));
  }
  tick(app);
}

// A waiting room one place up (-1) or down (+1) among the rooms waiting.
function move(app, room, by) {
  const waiting = app.meeting.state.report_back.waiting;
  const place = waiting.indexOf(room) + 1 + by;
  if (place >= 1 && place <= waiting.length) app.command({ type: "move_report", room, place });
}

// The console: the rooms to tick, those with something to report ticked to begin with.
function renderStart(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const rooms = candidates(s);
  const open = meeting.isModerator && s.phase === "plenary" && !s.report_back.running && rooms.length > 0;
  show($("report-start"), open);
  if (!open) return;
  reconcile($("report-candidates"), rooms, (room) => room,
    (room) => el("li", {}, el("input", { type: "checkbox", id: `report-room-${room}`, value: room }),
      el("label", { for: `report-room-${room}` })),
    (li, room) => {
      const notes = s.notes[room];
      // The rooms' boxes are made when the rooms are, before any notes: a room that has since
      // written notes (or got a rapporteur) is ticked then; a moderator's own tick or untick
      // stands until what the room has to report changes.
      const box = li.querySelector("input");
      const suggested = String(hasReport(notes));
      if (box.dataset.suggested !== suggested) {
        box.checked = suggested === "true";
        box.dataset.suggested = suggested;
      }
      const gone = !(room in s.workshops);
      const about = [notes?.text.trim() ? t("report.has_notes") : t("report.no_notes_short")];
      if (notes?.rapporteur) about.push(t("report.rapporteur_of", { name: app.nameOf(notes.rapporteur) }));
      if (gone) about.push(t("report.deleted"));
      setText(li.querySelector("label"), `${app.roomName(room)} (${about.join(", ")})`);
    });
  startable();
}

// Start only with a room ticked.
function startable() {
  $("report-start-button").disabled = !$("report-candidates").querySelector("input:checked");
}

// Once a second: the time left of whoever holds the floor during a report.
export function tick(app) {
  const s = app.meeting.state;
  if (!s) return;
  const { deadline, warned } = s.floor_clock;
  const running = Boolean(s.report_back.running && s.report_back.current !== null && s.floor && deadline);
  const clock = $("report-clock");
  show(clock, running);
  clock.classList.toggle("warning", running && warned);
  if (running) {
    const left = countdown(deadline - Date.now() / 1000);
    setText(clock, t(warned ? "speakers.left_warning" : "speakers.left", { name: app.nameOf(s.floor), left }));
  }
}

// What a screen reader hears: which room reports now (the rapporteur, that it is their turn; the
// floor that comes with it is not said again), and the end.
export function announcement(app, e) {
  const meeting = app.meeting;
  switch (e.type) {
    case "report_called": {
      app.reportCalledSeq = e.seq; // its floor_given, next, is not said again
      const room = app.roomName(e.room);
      const yours = meeting.state.notes[e.room]?.rapporteur === meeting.you;
      return yours ? { text: t("announce.report_yours", { room }), urgent: true } : { text: t("announce.report", { room }) };
    }
    case "report_back_ended":
      return { text: t("announce.report_back_ended") };
    default:
      return null;
  }
}

// Whether a floor_given comes with a room's call (right after it), said already with it.
export const withReport = (app, e) => e.seq === app.reportCalledSeq + 1;
