// The moderator's console: rooms, who goes where (at random, mixed, by hand with a select, or
// chosen by people, or dragged onto a room on the board), opening with a duration, extending, broadcasting, recall,
// and each person's role, mute and removal. Every action is a button or a select: keyboard first.
import { $, el, reconcile, setOptions, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { PLENARY } from "../state.js";

const ROLES = ["participant", "presenter", "moderator"];

export function setup(app) {
  const submit = (id, handler) => $(id).addEventListener("submit", (e) => { e.preventDefault(); handler(e); });
  submit("room-create", () => {
    const name = $("room-name").value.trim();
    if (!name) return;
    app.command({ type: "create_rooms", names: [name] });
    $("room-name").value = "";
  });
  // Who is dealt: the connected participants, and whoever the moderator ticked besides.
  const including = () => ({
    include_absent: $("include-absent").checked,
    include_presenters: $("include-presenters").checked,
    include_moderators: $("include-moderators").checked,
  });
  $("assign-random").addEventListener("click", () => app.command({ type: "assign_random", ...including() }));
  $("assign-mixed").addEventListener("click", () => {
    const by = [$("assign-by").value, $("assign-then-by").value].filter((key, i, keys) => key && keys.indexOf(key) === i);
    app.command({ type: "assign_mixed", by, ...including() });
  });
  $("self-select").addEventListener("change", (e) => app.command({ type: "set_self_select", allowed: e.target.checked }));
  submit("open-form", () => app.command({ type: "open_rooms", duration_s: Math.round(Number($("open-minutes").value) * 60) }));
  submit("extend-form", () => app.command({ type: "extend_rooms", seconds: Math.round(Number($("extend-minutes").value) * 60) }));
  $("recall").addEventListener("click", () => app.command({ type: "close_rooms" }));
  submit("broadcast-form", () => {
    const text = $("broadcast-input").value.trim();
    if (text && app.connection.send({ type: "broadcast", text })) $("broadcast-input").value = "";
  });
}

function roomOptions(app) {
  return [[PLENARY, t("rooms.plenary")], ...app.meeting.rooms().map((room) => [room.id, room.name])];
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const open = s.phase !== "plenary";

  // Rooms: rename, set a topic, visit, delete. Each room's fields are named with its number in
  // the list, so that a screen reader tells the rooms' fields apart.
  const rooms = meeting.rooms();
  reconcile($("room-list"), rooms, (room) => room.id, (room) => roomItem(app, room), (li, room) => {
    const name = li.querySelector(".room-name");
    const topic = li.querySelector(".room-topic");
    // A field is refreshed only when the server's value changed, never under someone's typing.
    if (li.dataset.name !== room.name) { name.value = room.name; li.dataset.name = room.name; }
    if (li.dataset.topic !== room.topic) { topic.value = room.topic; li.dataset.topic = room.topic; }
    const count = meeting.people().filter((p) => p.room === room.id).length;
    const planned = Object.values(s.plan).filter((r) => r === room.id).length;
    const number = rooms.indexOf(room) + 1;
    setText(li.querySelector(".room-status"), t("console.room_status", { number, room: room.name, n: count, planned }));
    for (const [selector, key] of [[".save", "console.save"], [".visit", "console.visit"], [".delete", "console.delete"]]) {
      const button = li.querySelector(selector);
      setText(button, t(key));
      button.setAttribute("aria-label", t(`${key}_named`, { room: room.name }));
    }
    li.querySelector(".visit").disabled = meeting.myRoom === room.id;
    for (const [selector, key] of [[".room-name-label", "console.room_name_of"], [".room-topic-label", "console.topic_of"]]) {
      setText(li.querySelector(selector), t(key, { number }));
    }
  });

  $("self-select").checked = s.self_select;
  const hasRooms = meeting.rooms().length > 0;
  $("assign-random").disabled = $("assign-mixed").disabled = !hasRooms || open;
  show($("open-form"), !open);
  $("open-rooms").disabled = !hasRooms;
  show($("extend-form"), open);
  show($("recall"), open);

  board(app);

  // Who is where, and who goes where: one row a person.
  const options = roomOptions(app);
  reconcile($("roster"), meeting.people(), (p) => p.id, (p) => rosterRow(app, p), (tr, person) => {
    const words = { name: person.name };
    setText(tr.querySelector(".name"), person.name);
    const details = [person.organisation, person.district, person.group].filter(Boolean).join(", ");
    setText(tr.querySelector(".details"), details);
    const roleWords = [t(`role.${person.role}`)];
    if (!person.connected) roleWords.push(t("people.offline"));
    if (s.audio_blocked.includes(person.id)) roleWords.push(t("people.muted"));
    setText(tr.querySelector(".role"), roleWords.join(" · "));
    setText(tr.querySelector(".now"), app.roomName(person.room));
    const planned = s.plan[person.id] ?? PLENARY;
    setText(tr.querySelector(".planned"), app.roomName(planned));
    const move = tr.querySelector(".move-to");
    setOptions(move, options);
    const target = open ? person.room : planned;
    if (move.dataset.current !== target) { move.value = target; move.dataset.current = target; }
    const role = tr.querySelector(".role-to");
    setOptions(role, ROLES.map((r) => [r, t(`role.${r}`)]));
    if (role.dataset.current !== person.role) { role.value = person.role; role.dataset.current = person.role; }
    const blocked = s.audio_blocked.includes(person.id);
    const labels = [
      [".move-label", "console.move_to", null], [".role-label", "console.role", null],
      [".move", "console.move", "console.move_named"], [".set-role", "console.set_role", "console.set_role_named"],
      [".ask-mute", "console.ask_mute", "console.ask_mute_named"],
      [".hard-mute", blocked ? "console.lift_mute" : "console.hard_mute", blocked ? "console.lift_mute_named" : "console.hard_mute_named"],
      [".remove", "console.remove", "console.remove_named"],
    ];
    for (const [selector, key, named] of labels) {
      const node = tr.querySelector(selector);
      setText(node, t(key, words));
      if (named) node.setAttribute("aria-label", t(named, words));
    }
    const self = person.id === meeting.you;
    tr.querySelector(".remove").hidden = self;
    tr.querySelector(".ask-mute").hidden = self;
    tr.classList.toggle("offline", !person.connected);
  });
}

// Who is where at a glance, and moving by mouse: a name dragged onto a room moves that person
// there (before the rooms open: plans it). The same command as the table's select and Move.
function board(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const open = s.phase !== "plenary";
  const where = (person) => (open ? person.room : s.plan[person.id] ?? PLENARY);
  const rooms = [{ id: PLENARY }, ...meeting.rooms()];
  reconcile($("board"), rooms, (room) => room.id, (room) => dropZone(app, room.id), (zone, room) => {
    const members = meeting.people().filter((p) => where(p) === room.id);
    setText(zone.querySelector("h4"), t("console.drop_room", { room: app.roomName(room.id), n: members.length }));
    reconcile(zone.querySelector("ul"), members, (p) => p.id,
      (p) => el("li", { class: "chip", draggable: "true", ondragstart: (e) => {
        e.dataTransfer.setData("text/plain", p.id);
        e.dataTransfer.effectAllowed = "move";
      } }),
      (li, p) => setText(li, p.name));
  });
}

function dropZone(app, room) {
  const zone = el("section", { class: "drop", "data-room": room }, el("h4"), el("ul"));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const participant = e.dataTransfer.getData("text/plain");
    const person = app.meeting.person(participant);
    const s = app.meeting.state;
    const now = s.phase !== "plenary" ? person?.room : s.plan[participant] ?? PLENARY;
    if (person && now !== room) app.command({ type: "move_participant", participant, room });
  });
  return zone;
}

function roomItem(app, room) {
  const id = room.id;
  const name = el("input", { class: "room-name", id: `room-name-${id}`, maxlength: app.meeting.limits.max_room_name_chars, required: true });
  const topic = el("input", { class: "room-topic", id: `room-topic-${id}`, maxlength: app.meeting.limits.max_topic_chars });
  const form = el("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    app.command({ type: "rename_room", room: id, name: name.value.trim(), topic: topic.value.trim() });
  } },
  el("label", { for: name.id, class: "room-name-label" }), name,
  el("label", { for: topic.id, class: "room-topic-label" }), topic,
  el("button", { type: "submit", class: "save" }));
  return el("li", {}, el("p", { class: "room-status" }), form, el("div", { class: "row" },
    el("button", { type: "button", class: "visit", onclick: () => app.command({ type: "visit", room: id }) }),
    el("button", { type: "button", class: "delete", onclick: () => {
      if (confirm(t("console.delete_confirm", { room: app.roomName(id) }))) app.command({ type: "delete_room", room: id });
    } })));
}

function rosterRow(app, person) {
  const id = person.id;
  const move = el("select", { class: "move-to", id: `move-${id}` });
  const role = el("select", { class: "role-to", id: `role-${id}` });
  const button = (cls, onclick) => el("button", { type: "button", class: cls, onclick });
  return el("tr", {},
    el("th", { scope: "row" }, el("span", { class: "name" }), el("span", { class: "details hint" }), el("span", { class: "role hint" })),
    el("td", { class: "now" }),
    el("td", { class: "planned" }),
    el("td", { class: "actions" },
      el("span", { class: "pair" }, el("label", { for: move.id, class: "move-label visually-hidden" }), move,
        button("move", () => app.command({ type: "move_participant", participant: id, room: move.value }))),
      el("span", { class: "pair" }, el("label", { for: role.id, class: "role-label visually-hidden" }), role,
        button("set-role", () => app.command({ type: "set_role", participant: id, role: role.value }))),
      button("ask-mute", () => app.command({ type: "ask_to_mute", participant: id })),
      button("hard-mute", () => {
        const blocked = app.meeting.state.audio_blocked.includes(id);
        app.command({ type: blocked ? "lift_hard_mute" : "hard_mute", participant: id });
      }),
      button("remove", () => {
        if (confirm(t("console.remove_confirm", { name: app.nameOf(id) }))) app.command({ type: "remove_participant", participant: id });
      })));
}
