// Who is in the meeting now, as the organiser watches it: read every few seconds while the
// meeting's view is open, as a table (rows kept in place between reads) under a count that
// screen readers hear when it changes.
import { $, el, reconcile, setText, show } from "../dom.js";
import { plural, t } from "../i18n.js";
import * as api from "./api.js";
import { clock, problem } from "./page.js";

export const EVERY_MS = 3000;
let watched = null; // the meeting watched; null when none
let timer = null;
let last = [];

// `onRead(people)` after each read; `onError(error)` when one fails.
export function watch(meetingId, onError, onRead) {
  stop();
  watched = meetingId;
  last = [];
  draw();
  let failed = false;
  const read = async () => {
    if (watched !== meetingId) return;
    try {
      const found = await api.people(meetingId);
      if (watched !== meetingId) return;
      last = found;
      draw();
      onRead(found);
      // What the last read said went wrong (the server restarting) is over.
      if (failed) problem("");
      failed = false;
    } catch (error) {
      if (watched !== meetingId) return;
      failed = true;
      onError(error);
      if (error.status === 401 || error.status === 404) return; // signed out, or deleted
    }
    if (watched === meetingId) timer = setTimeout(read, EVERY_MS);
  };
  read();
}

export function stop() {
  watched = null;
  clearTimeout(timer);
}

export const render = () => draw();

function cells(row, person) {
  const [name, role, organisation, district, room, connected, joined] = row.children;
  setText(name, person.name);
  setText(role, t(`organiser.role_${person.role}`));
  setText(organisation, person.organisation ?? "");
  setText(district, person.district ?? "");
  setText(room, !person.room || person.room === "plenary" ? t("organiser.plenary") : person.room_name ?? person.room);
  setText(connected, t(person.connected ? "organiser.yes" : "organiser.no"));
  setText(joined, person.joined_at ? clock(person.joined_at) : "");
}

function draw() {
  const connected = last.filter((p) => p.connected).length;
  setText($("people-count"), plural("organiser.people_count", connected));
  show($("people-table"), last.length > 0);
  reconcile($("people-rows"), last, (p) => p.id,
    () => el("tr", {}, el("th", { scope: "row" }), el("td"), el("td"), el("td"), el("td"), el("td"), el("td")),
    cells);
}
