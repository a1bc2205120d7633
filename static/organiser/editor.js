// Creating and editing a meeting: title, start and end (in the browser's zone, sent with its
// offset), description, language, and the agenda (items with their minutes, added, removed and
// reordered; those that stay keep their id, and so the time they used).
import { $, el, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import * as api from "./api.js";
import { describe, isoFromInput, localInput, zoneName } from "./page.js";

let editing = null; // the meeting as the API gave it; null for a new one
let items = []; // [{ id, title, minutes, presenters }]: the agenda being edited

export function open(meeting) {
  editing = meeting;
  setText($("editor-heading"), meeting ? t("organiser.edit_heading", { title: meeting.title }) : t("organiser.new_heading"));
  $("editor-title").value = meeting?.title ?? "";
  $("editor-start").value = localInput(meeting?.starts_at);
  $("editor-end").value = localInput(meeting?.ends_at);
  $("editor-description").value = meeting?.description ?? "";
  $("editor-language").value = meeting?.language ?? "pl";
  const agenda = meeting?.agenda;
  items = (Array.isArray(agenda) ? agenda : agenda?.items ?? []).map((i) => ({ ...i }));
  error("");
  renderAgenda();
}

export function render() {
  setText($("editor-heading"), editing ? t("organiser.edit_heading", { title: editing.title }) : t("organiser.new_heading"));
  setText($("editor-zone"), t("organiser.zone", { zone: zoneName() }));
  if ($("editor-agenda").children.length === items.length) keepTyped();
  renderAgenda();
}

function error(text) {
  setText($("editor-error"), text);
  show($("editor-error"), Boolean(text));
}

// Reads what the fields hold into `items` before they are drawn again.
function keepTyped() {
  for (const [n, row] of [...$("editor-agenda").children].entries()) {
    items[n].title = row.querySelector(".agenda-title").value;
    items[n].minutes = row.querySelector(".agenda-minutes").value;
  }
}

function renderAgenda(focus = null) {
  const rows = items.map((item, n) => {
    const number = n + 1;
    const name = item.title.trim() || t("organiser.agenda_item", { n: number });
    const move = (to) => () => {
      keepTyped();
      items.splice(to, 0, ...items.splice(n, 1));
      renderAgenda([to, to < n ? "up" : "down"]);
    };
    // The buttons name their item by its title, as typed so far.
    function named(e) {
      const title = e.target.value.trim() || t("organiser.agenda_item", { n: number });
      const row = e.target.closest("li");
      for (const what of ["up", "down", "remove"]) {
        row.querySelector(`.${what}`).setAttribute("aria-label", t(`organiser.agenda_${what}_label`, { item: title }));
      }
    }
    return el("li", { class: "org-agenda-item" },
      el("div", { class: "field" },
        el("label", { for: `agenda-title-${number}` }, t("organiser.agenda_title", { n: number })),
        el("input", { id: `agenda-title-${number}`, class: "agenda-title", value: item.title, oninput: named })),
      el("div", { class: "field" },
        el("label", { for: `agenda-minutes-${number}` }, t("organiser.agenda_minutes", { n: number })),
        el("input", { id: `agenda-minutes-${number}`, class: "agenda-minutes", type: "number", min: 1, step: 1, inputmode: "numeric", value: item.minutes })),
      el("div", { class: "row" },
        el("button", { type: "button", class: "up", disabled: n === 0, "aria-label": t("organiser.agenda_up_label", { item: name }), onclick: move(n - 1) }, t("organiser.agenda_up")),
        el("button", { type: "button", class: "down", disabled: n === items.length - 1, "aria-label": t("organiser.agenda_down_label", { item: name }), onclick: move(n + 1) }, t("organiser.agenda_down")),
        el("button", { type: "button", class: "remove", "aria-label": t("organiser.agenda_remove_label", { item: name }),
          onclick: () => {
            keepTyped();
            items.splice(n, 1);
            renderAgenda(items.length ? [Math.min(n, items.length - 1), "title"] : ["add"]);
          } }, t("organiser.agenda_remove"))));
  });
  $("editor-agenda").replaceChildren(...rows);
  show($("editor-agenda-empty"), items.length === 0);
  if (!focus) return;
  const [n, what] = focus;
  if (what === "add") {
    $("editor-agenda-add").focus();
    return;
  }
  const row = $("editor-agenda").children[n];
  // A moved item keeps the focus on its button, or, at the end it reached, on its other one.
  const wanted = what === "title" ? row.querySelector(".agenda-title") : row.querySelector(`.${what}`);
  (wanted.disabled ? row.querySelector(what === "up" ? ".down" : ".up") : wanted).focus();
}

function agendaToSend() {
  keepTyped();
  return items.map((item, n) => {
    const minutes = Number(item.minutes);
    if (!item.title.trim()) throw new Error(t("organiser.agenda_no_title", { n: n + 1 }));
    if (!Number.isInteger(minutes) || minutes < 1) throw new Error(t("organiser.agenda_bad_minutes", { n: n + 1 }));
    const presenters = (item.presenters ?? []).map((p) => (p.participant ? { participant: p.participant } : p.name));
    return { title: item.title.trim(), minutes, presenters, ...(item.id ? { id: item.id } : {}) };
  });
}

// Saves the form; resolves to the meeting's id, or null when it said what is wrong.
export async function save() {
  const title = $("editor-title").value.trim();
  if (!title) {
    error(t("organiser.title_needed"));
    $("editor-title").focus();
    return null;
  }
  let agenda;
  try {
    agenda = agendaToSend();
  } catch (problem) {
    error(problem.message);
    return null;
  }
  const fields = {
    title,
    starts_at: isoFromInput($("editor-start").value),
    ends_at: isoFromInput($("editor-end").value),
    description: $("editor-description").value,
    language: $("editor-language").value,
  };
  if (!editing && fields.starts_at === null) delete fields.starts_at;
  if (fields.ends_at === null) delete fields.ends_at; // the server gives one (from the start)
  try {
    if (!editing) return (await api.create({ ...fields, agenda })).id;
    await api.edit(editing.id, fields);
    await api.setAgenda(editing.id, agenda);
    return editing.id;
  } catch (problem) {
    if (problem.status === 401) throw problem;
    error(describe(problem));
    $("editor-error").scrollIntoView({ block: "nearest" });
    return null;
  }
}

export function setup() {
  $("editor-agenda-add").addEventListener("click", () => {
    keepTyped();
    items.push({ title: "", minutes: 10, presenters: [] });
    renderAgenda([items.length - 1, "title"]);
  });
}
