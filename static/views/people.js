// Who is where: everyone grouped by room, with their role, a raised hand, the floor, the active
// speaker and whether they are connected.
import { $, el, reconcile, setPerson, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { PLENARY } from "../state.js";

export function describe(app, person) {
  const s = app.meeting.state;
  const marks = [];
  if (person.id === app.meeting.you) marks.push(t("people.you"));
  if (s.floor === person.id) marks.push(t("people.has_floor"));
  if (s.hand_queue.includes(person.id)) marks.push(t("people.hand_up"));
  if (s.audio_blocked.includes(person.id)) marks.push(t("people.muted"));
  if (app.speaker?.participant === person.id && app.speaker.room === person.room) marks.push(t("people.speaking"));
  if (!person.connected) marks.push(t("people.offline"));
  const details = [person.organisation, person.district, person.group].filter(Boolean).join(", ");
  return { details, marks };
}

// The badge beside a moderator's or presenter's name, wherever it is shown; "" for others.
export function badge(app, id) {
  const role = app.meeting.person(id)?.role;
  return role === "moderator" || role === "presenter" ? t(`role.${role}`) : "";
}

// A large plenary has hundreds: the list shows a page of rows at a time (more on asking), and a
// search by name, organisation, district or group narrows it. Rooms keep their whole count.
const PAGE = 50;
let shown = PAGE;

export function setup(app) {
  $("people-search").addEventListener("input", () => {
    shown = PAGE;
    render(app);
  });
  $("people-more").addEventListener("click", () => {
    shown += PAGE;
    render(app);
  });
}

function matches(person, query) {
  if (!query) return true;
  const words = [person.name, person.organisation, person.district, person.group].join(" ").toLocaleLowerCase();
  return words.includes(query);
}

export function render(app) {
  const meeting = app.meeting;
  const rooms = [{ id: PLENARY }, ...meeting.rooms()];
  const everyone = meeting.people();
  const query = $("people-search").value.trim().toLocaleLowerCase();
  const found = everyone.filter((p) => matches(p, query));
  // The page's rows, room by room in the rooms' order: the first `shown` of those found.
  const order = new Map(rooms.map((room, i) => [room.id, i]));
  const listed = new Set(found.sort((a, b) => (order.get(a.room) ?? 0) - (order.get(b.room) ?? 0)).slice(0, shown).map((p) => p.id));
  setText($("people-shown"), query || found.length > listed.size
    ? t("people.shown", { shown: String(listed.size), found: String(found.length), n: String(everyone.length) }) : "");
  show($("people-more"), found.length > listed.size);
  reconcile($("people-rooms"), rooms, (room) => room.id,
    // Your own room's star is only a sight: a screen reader hears "you" beside your name instead.
    () => el("section", { class: "room-group" },
      el("h3", {}, el("span", { class: "room-title" }), el("span", { class: "mine-mark", "aria-hidden": "true" })),
      el("ul")),
    (node, room) => {
      const members = everyone.filter((p) => p.room === room.id);
      const rows = members.filter((p) => listed.has(p.id));
      show(node, rows.length > 0 || !query);
      setText(node.querySelector(".room-title"), t("people.room_count", { room: app.roomName(room.id), n: members.length }));
      setText(node.querySelector(".mine-mark"), room.id === meeting.myRoom ? " ★" : "");
      node.classList.toggle("mine", room.id === meeting.myRoom);
      reconcile(node.querySelector("ul"), rows, (p) => p.id,
        () => el("li", {}, el("span", { class: "who" }),
          el("span", { class: "details" }, " (", el("bdi"), ")"), el("span", { class: "marks" })),
        (li, person) => {
          const { details, marks } = describe(app, person);
          setPerson(li.querySelector(".who"), person.name, badge(app, person.id));
          show(li.querySelector(".details"), Boolean(details));
          setText(li.querySelector(".details bdi"), details);
          setText(li.querySelector(".marks"), marks.length ? ` · ${marks.join(" · ")}` : "");
          li.classList.toggle("speaking", marks.includes(t("people.speaking")));
          li.classList.toggle("offline", !person.connected);
        });
    });
}
