// Workshop notes (rooms/notes.py): in a workshop room, its notes as text (headings, lists,
// paragraphs) and, for whoever may edit them, an editor that saves after a pause in typing and
// on leaving the field; its rapporteur, to volunteer or step down. In the console, each room's
// rapporteur and who edits. In the plenary, once the rooms are closed, every room's notes.
//
// An edit is the whole text written on the version it started from; the server refuses one on a
// version no longer current (`stale_notes`). Then the person's text stays in the editor, the
// current one is shown beside it, and they choose: theirs kept, the other taken, or a merge by
// hand. Nothing typed is ever dropped without the person choosing it.
import { $, el, reconcile, setOptions, setPerson, setText, show } from "../dom.js";
import { t, timeOfDay } from "../i18n.js";
import { renderNotes } from "../notes_text.js";
import { PLENARY } from "../state.js";
import { badge } from "./people.js";

const PAUSE_MS = 1000;

// The editor's own state, across renders and reconnects: the room it edits, the version its text
// was written on, the text last saved, whether a save is on its way, and a conflict to settle.
const editor = { room: null, base: 0, saved: "", saving: false, timer: null, conflict: false };

// What we could read when we last asked for the notes (phase, room, role): when it changes, we
// may read notes we were not sent, and ask for them.
let readingAs = "";

export function setup(app) {
  const text = $("notes-editor");
  text.addEventListener("input", () => {
    clearTimeout(editor.timer);
    if (dirty()) status(t("notes.unsaved"));
    editor.timer = setTimeout(() => save(app), PAUSE_MS);
  });
  text.addEventListener("blur", () => {
    clearTimeout(editor.timer);
    save(app);
  });
  $("notes-volunteer").addEventListener("click", () => app.command({ type: "volunteer_rapporteur" }));
  $("notes-step-down").addEventListener("click", () => {
    app.command({ type: "step_down_as_rapporteur", room: app.meeting.myRoom });
  });
  $("notes-use-mine").addEventListener("click", () => {
    // On the version now current: the person has seen it beside their own.
    editor.base = current(app)?.version ?? editor.base;
    editor.conflict = false;
    render(app);
    save(app);
    $("notes-editor").focus();
  });
  $("notes-leftover-dismiss").addEventListener("click", () => {
    leftover = null;
    app.render();
    $("main").focus();
  });
  $("notes-use-theirs").addEventListener("click", () => {
    const notes = current(app);
    if (!notes) return;
    $("notes-editor").value = notes.text;
    Object.assign(editor, { base: notes.version, saved: notes.text, conflict: false });
    status(t("notes.took_theirs"));
    render(app);
    $("notes-editor").focus();
  });
}

const dirty = () => $("notes-editor").value !== editor.saved;

// Text typed in a room's editor and not yet saved when we left the room (moved, or the rooms
// closed): kept aside and shown until saved or dismissed, never dropped unseen.
let leftover = null; // { room, text, why }

// We left the room whose notes the editor holds: unsaved text is sent once more (the rapporteur
// and the moderators may still edit) and, until it is saved, kept in view.
function leave(app) {
  clearTimeout(editor.timer);
  const text = $("notes-editor").value;
  const room = editor.room;
  if (text !== editor.saved) {
    leftover = { room, text, why: "" };
    const sent = app.command({ type: "edit_notes", room, base_version: editor.base, text }, {
      accepted: () => {
        if (leftover?.room === room) leftover = null;
        app.render();
      },
      refused: (error) => {
        if (leftover?.room === room) leftover.why = app.errorText(error);
        app.render();
      },
    });
    if (!sent) leftover.why = t("connection.not_sent");
  }
  Object.assign(editor, { room: null, base: 0, saved: "", saving: false, conflict: false });
  $("notes-editor").value = "";
  status("");
}

function showLeftover(app) {
  show($("notes-leftover"), Boolean(leftover));
  if (!leftover) return;
  setText($("notes-leftover-heading"), t("notes.leftover_heading", { room: app.meeting.notesOf(leftover.room).room_name }));
  setText($("notes-leftover-why"), leftover.why ? t("notes.not_saved", { why: leftover.why }) : t("notes.saving"));
  const kept = $("notes-leftover-text");
  if (kept.value !== leftover.text) kept.value = leftover.text;
}

// The notes of the room we are in, or null in the plenary.
function current(app) {
  const room = app.meeting.myRoom;
  return room === PLENARY ? null : app.meeting.notesOf(room);
}

function status(text) {
  setText($("notes-status"), text);
}

function save(app) {
  if (editor.saving || editor.conflict || editor.room === null || !dirty()) return;
  const text = $("notes-editor").value;
  const room = editor.room;
  editor.saving = true;
  status(t("notes.saving"));
  const sent = app.command({ type: "edit_notes", room, base_version: editor.base, text }, {
    accepted: () => {
      if (editor.room !== room) return; // moved on meanwhile: the text was kept aside (leave)
      // Our `notes_edited` came before this reply, but with Redis another's edit after ours may
      // have too: the notes are at our version only while they hold our text. Else our version
      // is the one after the base, and the next save is refused as stale rather than writing
      // over the other edit unseen.
      editor.saving = false;
      editor.saved = text;
      const now = app.meeting.state.notes[editor.room];
      editor.base = now?.text === text ? now.version : editor.base + 1;
      status(dirty() ? t("notes.unsaved") : t("notes.saved"));
      if (dirty()) save(app);
    },
    refused: (error) => {
      if (editor.room !== room) return;
      editor.saving = false;
      if (error.code === "stale_notes") {
        editor.conflict = true;
        status(t("notes.conflict_status"));
        // The current text, in case its `notes_edited` has not reached us (or never will).
        app.connection.send({ type: "notes" });
        render(app);
        $("notes-conflict-heading").focus();
      } else {
        status(t("notes.not_saved", { why: app.errorText(error) }));
      }
    },
  });
  if (!sent) {
    editor.saving = false;
    status(t("notes.not_saved", { why: t("connection.not_sent") }));
  }
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const as = `${s.phase === PLENARY}|${meeting.myRoom}|${meeting.isModerator}`;
  if (as !== readingAs) {
    // Asked for on a change only: the welcome's snapshot holds what we may read on joining.
    if (readingAs) app.connection.send({ type: "notes" });
    readingAs = as;
  }
  renderRoom(app);
  renderPlenary(app);
  if (meeting.isModerator) renderConsole(app);
}

// "Rapporteur:" and their name in a <bdi> with their role's badge (dom.js), or "No rapporteur".
function showRapporteur(app, node, notes) {
  if (!node.firstElementChild) node.append(el("span", { class: "label" }), " ", el("span", { class: "person" }));
  const [label, person] = node.children;
  const id = notes.rapporteur;
  setText(label, id ? t("notes.rapporteur") : t("notes.no_rapporteur"));
  show(person, Boolean(id));
  if (id) setPerson(person, app.nameOf(id), badge(app, id));
}

function renderRoom(app) {
  const meeting = app.meeting;
  const notes = current(app);
  if (editor.room !== null && editor.room !== notes?.room) leave(app);
  showLeftover(app);
  show($("room-notes"), Boolean(notes));
  if (!notes) return;
  setText($("room-notes-heading"), t("notes.heading_room", { room: notes.room_name }));
  showRapporteur(app, $("room-notes-rapporteur"), notes);
  const mine = notes.rapporteur === meeting.you;
  const vacant = !notes.rapporteur || !meeting.person(notes.rapporteur);
  show($("notes-volunteer"), vacant);
  show($("notes-step-down"), mine);
  setText($("room-notes-editing"), t(notes.editing === "members" ? "notes.editing_members" : "notes.editing_rapporteur"));
  renderNotes($("room-notes-text"), notes.text, 3);
  show($("room-notes-empty"), !notes.text);

  // Also while text of ours is unsaved when the moderators took the editing from the members:
  // the text stays in view, with the refusal under it.
  const editing = meeting.mayEditNotes(notes) || editor.saving || (editor.room === notes.room && dirty());
  show($("notes-edit"), editing);
  const area = $("notes-editor");
  area.maxLength = meeting.limits.max_notes_chars;
  if (editor.room !== notes.room) {
    // Another room (or the first): its text. Unsaved text of the one before was kept aside.
    Object.assign(editor, { room: notes.room, base: notes.version, saved: notes.text, conflict: false });
    area.value = notes.text;
    status("");
  } else if (!editor.saving && !editor.conflict && !dirty() && notes.version !== editor.base) {
    // Someone else's edit, and nothing of ours unsaved: theirs, live.
    area.value = notes.text;
    Object.assign(editor, { base: notes.version, saved: notes.text });
  }
  setText($("notes-limit"), t("notes.limit", { max: meeting.limits.max_notes_chars }));
  show($("notes-conflict"), editor.conflict);
  if (editor.conflict) {
    const theirs = $("notes-theirs");
    if (theirs.value !== notes.text) theirs.value = notes.text;
    setText($("notes-conflict-by"), notes.updated_by
      ? t("notes.conflict_by", { name: app.nameOf(notes.updated_by), time: timeOfDay(notes.updated_at) })
      : "");
  }
}

// The plenary's panel: every room's notes we may read, once the workshops are over.
function renderPlenary(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const entries = Object.values(s.notes ?? {}).filter((n) => n.text || n.rapporteur);
  const shown = s.phase === PLENARY && meeting.myRoom === PLENARY && entries.length > 0;
  show($("workshop-notes"), shown);
  if (!shown) return;
  reconcile($("workshop-notes-list"), entries, (n) => n.room, (n) => el("li", { class: "notes-room" },
    el("h3", { class: "notes-room-name" }),
    el("p", { class: "notes-rapporteur" }),
    el("div", { class: "notes-text" }),
    el("p", { class: "hint notes-empty" }, t("notes.empty")),
  ), (li, n) => {
    setText(li.querySelector(".notes-room-name"), n.room_name);
    showRapporteur(app, li.querySelector(".notes-rapporteur"), n);
    renderNotes(li.querySelector(".notes-text"), n.text, 4);
    const empty = li.querySelector(".notes-empty");
    setText(empty, t("notes.empty"));
    show(empty, !n.text);
  });
}

// The console: per room, its rapporteur (appoint anyone, or nobody) and who edits its notes.
function renderConsole(app) {
  const meeting = app.meeting;
  const rooms = meeting.rooms();
  show($("notes-console-empty"), rooms.length === 0);
  const people = [["", t("notes.nobody")], ...meeting.people().map((p) => [p.id, p.name])];
  reconcile($("notes-console"), rooms, (room) => room.id, (room) => consoleItem(app, room), (li, room) => {
    const notes = meeting.notesOf(room.id);
    setText(li.querySelector(".room-name"), room.name);
    showRapporteur(app, li.querySelector(".notes-rapporteur"), notes);
    setText(li.querySelector(".notes-appoint-label"), t("notes.appoint_label", { room: room.name }));
    const select = li.querySelector("select");
    setOptions(select, people);
    const button = li.querySelector(".notes-appoint");
    setText(button, t("notes.appoint"));
    button.setAttribute("aria-label", t("notes.appoint_in", { room: room.name }));
    const members = li.querySelector("input[type=checkbox]");
    members.checked = notes.editing === "members";
    setText(li.querySelector(".notes-members-label"), t("notes.members_edit", { room: room.name }));
    setText(li.querySelector(".notes-version"), notes.version
      ? t("notes.version", { n: notes.version, time: timeOfDay(notes.updated_at) })
      : t("notes.empty"));
  });
}

function consoleItem(app, room) {
  const id = `notes-appoint-${room.id}`;
  const select = el("select", { id });
  const members = el("input", { type: "checkbox", id: `notes-members-${room.id}` });
  members.addEventListener("change", () => app.command({
    type: "set_notes_editing", room: room.id, editing: members.checked ? "members" : "rapporteur",
  }));
  return el("li", {},
    el("h4", { class: "room-name" }),
    el("p", { class: "notes-rapporteur" }),
    el("p", { class: "hint notes-version" }),
    el("div", { class: "row" },
      el("label", { for: id, class: "notes-appoint-label" }),
      select,
      el("button", {
        type: "button", class: "notes-appoint",
        onclick: () => app.command({ type: "appoint_rapporteur", room: room.id, participant: select.value || null }),
      }),
    ),
    el("label", { class: "check" }, members, " ", el("span", { class: "notes-members-label" })),
  );
}
