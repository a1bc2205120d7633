// The meeting's programme: the agenda for everyone, with the current item and its time used
// against the plan (from the server's times in the state, ticking here each second but never
// read out each second), and for moderators running it (the next item in one action, start,
// skip, reopen) and, in the console, editing it (add, remove, reorder, title, minutes,
// presenters). Every change is one `set_agenda` of the whole list, the kept items by id.
import { $, el, reconcile, setText, show } from "../dom.js";
import { t, countdown } from "../i18n.js";

export function setup(app) {
  $("agenda-next").addEventListener("click", () => app.command({ type: "start_agenda_item" }));
  $("agenda-add").addEventListener("submit", (e) => {
    e.preventDefault();
    const title = $("agenda-title").value.trim();
    if (!title) return;
    const named = $("agenda-presenters").value;
    const added = { title, minutes: Number($("agenda-minutes").value), presenters: presenters(app, named) };
    // Cleared once added, unless the moderator has already started on the next item meanwhile.
    setAgenda(app, [...planned(app), added], () => {
      if ($("agenda-title").value.trim() !== title || $("agenda-presenters").value !== named) return;
      $("agenda-title").value = "";
      $("agenda-presenters").value = "";
    });
  });
}

// The agenda as `set_agenda` takes it back: every item kept by its id.
function planned(app) {
  return app.meeting.state.agenda.items.map((item) => ({
    id: item.id, title: item.title, minutes: item.minutes,
    presenters: item.presenters.map((p) => (p.participant ? { participant: p.participant } : { name: p.name })),
  }));
}

// Refused, the agenda stays as it was, and the moderator is told what the meeting allows.
function setAgenda(app, items, accepted = undefined) {
  const limits = app.meeting.limits;
  return app.command({ type: "set_agenda", items }, {
    accepted,
    refused: (error) => app.problem(error.code === "invalid" ? t("agenda.refused", {
      items: limits.max_agenda_items, chars: limits.max_item_title_chars,
      minutes: limits.max_item_minutes, presenters: limits.max_presenters,
    }) : app.errorText(error)),
  });
}

// "Ewa Nowak, Jan Lis": a name the item already had stays as it was (a participant who left
// included); a name of someone in the meeting names them (the server keeps their name if they
// leave); any other name is someone who has not joined.
function presenters(app, text, before = []) {
  const people = app.meeting.people();
  return text.split(",").map((name) => name.trim().split(/\s+/).join(" ")).filter(Boolean).map((name) => {
    const kept = before.find((p) => p.name === name);
    if (kept) return kept.participant ? { participant: kept.participant } : { name };
    const person = people.find((p) => p.name === name);
    return person ? { participant: person.id } : { name };
  });
}

const presenterNames = (item) => item.presenters.map((p) => p.name).join(", ");

// What `start_agenda_item` without an item does (rooms/agenda.py, _next_pending): the first
// pending item after the current one, else the first pending from the top.
function nextPending(agenda) {
  const at = agenda.items.findIndex((item) => item.id === agenda.current);
  const order = [...agenda.items.slice(at + 1), ...agenda.items.slice(0, at + 1)];
  return order.find((item) => item.status === "pending") ?? null;
}

const number = (agenda, item) => agenda.items.indexOf(item) + 1;

export function render(app) {
  const meeting = app.meeting;
  const agenda = meeting.state.agenda;
  const current = agenda.current ? meeting.agendaItem(agenda.current) : null;
  show($("agenda-empty"), agenda.items.length === 0);
  show($("agenda-now"), agenda.items.length > 0);
  setText($("agenda-now"), current ? t("agenda.now", { title: current.title }) : t("agenda.none_current"));

  reconcile($("agenda-items"), agenda.items, (item) => item.id,
    (item) => el("li", {}, el("p", { class: "item-title", dir: "auto" }), el("p", { class: "item-meta hint" }),
      el("p", { class: "item-presenters hint" }, el("span", { class: "label" }), el("bdi")),
      el("div", { class: "row item-actions" },
        el("button", { type: "button", class: "item-start", onclick: () => app.command({ type: "start_agenda_item", item: item.id }) }),
        el("button", { type: "button", class: "item-skip", onclick: () => app.command({ type: "skip_agenda_item", item: item.id }) }),
        el("button", { type: "button", class: "item-reopen", onclick: () => app.command({ type: "reopen_agenda_item", item: item.id }) }))),
    (li, item) => {
      const words = { n: number(agenda, item), title: item.title };
      setText(li.querySelector(".item-title"), item.title);
      const status = t(`agenda.status_${item.status}`);
      const took = item.status === "done" || (item.status === "skipped" && item.used_s > 0)
        ? t("agenda.took", { used: countdown(item.used_s) }) : "";
      setText(li.querySelector(".item-meta"), [t("agenda.planned", { minutes: item.minutes }), status, took].filter(Boolean).join(" · "));
      show(li.querySelector(".item-presenters"), item.presenters.length > 0);
      setText(li.querySelector(".item-presenters .label"), t("agenda.presenters_shown"));
      setText(li.querySelector(".item-presenters bdi"), presenterNames(item));
      li.classList.toggle("current", item.status === "current");
      li.classList.toggle("finished", item.status === "done" || item.status === "skipped");
      if (item.status === "current") li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
      const actions = li.querySelector(".item-actions");
      show(actions, meeting.isModerator);
      const allowed = [["start", item.status === "pending"], ["skip", item.status === "pending" || item.status === "current"],
        ["reopen", item.status === "done" || item.status === "skipped"]];
      for (const [action, may] of allowed) {
        const button = actions.querySelector(`.item-${action}`);
        show(button, may);
        setText(button, t(`agenda.${action}`));
        button.setAttribute("aria-label", t(`agenda.${action}_named`, words));
      }
    });

  // One action moves on: to the next pending item, or ends the last one.
  show($("agenda-controls"), meeting.isModerator && agenda.items.length > 0);
  const following = nextPending(agenda);
  const next = $("agenda-next");
  next.disabled = !following && !current;
  setText(next, following ? t(current ? "agenda.next" : "agenda.begin", { title: following.title })
    : current ? t("agenda.finish", { title: current.title }) : t("agenda.nothing_next"));
  if (meeting.isModerator) edit(app);
  tick(app);
}

// Once a second: the current item's time used against its plan.
export function tick(app) {
  const agenda = app.meeting.state?.agenda;
  if (!agenda) return;
  const current = agenda.current ? app.meeting.agendaItem(agenda.current) : null;
  const clock = $("agenda-clock");
  show(clock, Boolean(current));
  if (!current) return;
  const used = app.meeting.itemUsedS(current, Date.now() / 1000);
  const plan = current.minutes * 60;
  const over = used > plan;
  clock.classList.toggle("over", over);
  setText(clock, t(over ? "agenda.used_over" : "agenda.used", {
    used: countdown(used), planned: countdown(plan), over: countdown(used - plan),
  }));
}

// The console's editor: one small form an item (as the console's rooms), and moves.
function edit(app) {
  const agenda = app.meeting.state.agenda;
  const limits = app.meeting.limits;
  $("agenda-title").maxLength = limits.max_item_title_chars;
  $("agenda-minutes").max = limits.max_item_minutes;
  $("agenda-add").querySelector("button").disabled = agenda.items.length >= limits.max_agenda_items;
  show($("agenda-edit-empty"), agenda.items.length === 0);
  reconcile($("agenda-edit"), agenda.items, (item) => item.id, (item) => editorItem(app, item), (li, item) => {
    const n = number(agenda, item);
    const words = { n, title: item.title };
    // A field is refreshed only when the server's value changed, never under someone's typing.
    const fields = { ".edit-title": item.title, ".edit-minutes": String(item.minutes), ".edit-presenters": presenterNames(item) };
    for (const [selector, value] of Object.entries(fields)) {
      const input = li.querySelector(selector);
      if (input.dataset.server !== value) { input.value = value; input.dataset.server = value; }
    }
    li.querySelector(".edit-title").maxLength = limits.max_item_title_chars;
    li.querySelector(".edit-minutes").max = limits.max_item_minutes;
    setText(li.querySelector(".edit-heading"), t("agenda.item_n", words));
    const labels = [[".title-label", "agenda.title", "agenda.title_of", ".edit-title"],
      [".minutes-label", "agenda.minutes", "agenda.minutes_of", ".edit-minutes"],
      [".presenters-label", "agenda.presenters", "agenda.presenters_of", ".edit-presenters"]];
    for (const [label, key, named, input] of labels) {
      setText(li.querySelector(label), t(key));
      li.querySelector(input).setAttribute("aria-label", t(named, words));
    }
    const buttons = [[".save", "agenda.save"], [".up", "agenda.up"], [".down", "agenda.down"], [".remove", "agenda.remove"]];
    for (const [selector, key] of buttons) {
      const button = li.querySelector(selector);
      setText(button, t(key));
      button.setAttribute("aria-label", t(`${key}_named`, words));
    }
    li.querySelector(".up").disabled = n === 1;
    li.querySelector(".down").disabled = n === agenda.items.length;
  });
}

function editorItem(app, item) {
  const id = item.id;
  const input = (cls, attributes = {}) => el("input", { class: cls, id: `${cls}-${id}`, ...attributes });
  const title = input("edit-title", { required: true });
  const minutes = input("edit-minutes", { type: "number", min: 1, step: 1, required: true });
  const names = input("edit-presenters", { "aria-describedby": "agenda-presenters-hint" });
  const items = () => planned(app);
  const at = () => items().findIndex((entry) => entry.id === id);
  const move = (by) => {
    const list = items();
    const i = at();
    if (i < 0 || i + by < 0 || i + by >= list.length) return;
    [list[i], list[i + by]] = [list[i + by], list[i]];
    setAgenda(app, list);
  };
  const form = el("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    const list = items();
    const i = at();
    if (i < 0) return;
    const before = app.meeting.agendaItem(id)?.presenters ?? [];
    list[i] = { id, title: title.value.trim(), minutes: Number(minutes.value), presenters: presenters(app, names.value, before) };
    setAgenda(app, list);
  } },
  el("label", { for: title.id, class: "title-label" }), title,
  el("label", { for: minutes.id, class: "minutes-label" }), minutes,
  el("label", { for: names.id, class: "presenters-label" }), names,
  el("button", { type: "submit", class: "save" }));
  return el("li", {}, el("h4", { class: "edit-heading", dir: "auto" }), form, el("div", { class: "row" },
    el("button", { type: "button", class: "up", onclick: () => move(-1) }),
    el("button", { type: "button", class: "down", onclick: () => move(1) }),
    el("button", { type: "button", class: "remove", onclick: () => {
      const now = app.meeting.agendaItem(id);
      // An item that ran loses its time used: asked first. A pending one is simply gone.
      if (now && (now.status !== "pending" || now.used_s > 0) && !confirm(t("agenda.remove_confirm", { title: now.title }))) return;
      setAgenda(app, items().filter((entry) => entry.id !== id));
    } })));
}
