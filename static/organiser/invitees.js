// The invitees: a CSV imported whole or not at all (each bad line named, as the server reports
// it), the list with each personal link, its export for a mail merge, and each one planned into
// a workshop room before the day.
import { $, el, setText, show } from "../dom.js";
import { plural, t } from "../i18n.js";
import * as api from "./api.js";
import { copy } from "./links.js";
import { announce } from "./page.js";

let meetingId = null;
let shown = [];

export function open(id, invitees) {
  meetingId = id;
  shown = invitees;
  $("invitees-file").value = "";
  problems(null);
  $("invitees-export").href = api.exportAddress(id);
  render();
}

function problems(lines) {
  show($("invitees-errors"), Boolean(lines));
  setText($("invitees-errors-title"), lines ? plural("organiser.import_refused", lines.length) : "");
  $("invitees-errors-list").replaceChildren(...(lines ?? []).map((line) => el("li", {}, line)));
}

function row(invitee, run) {
  const n = invitee.id;
  const room = el("input", { id: `room-${n}`, class: "room", value: invitee.room_name ?? "", "aria-label": t("organiser.room_of", { name: invitee.name }) });
  const link = el("input", { id: `personal-${n}`, class: "link", readonly: true, value: invitee.link, "aria-label": t("organiser.link_of", { name: invitee.name }) });
  const plan = async () => {
    const wanted = room.value.trim();
    const planned = await run(() => api.planInvitee(meetingId, invitee.id, wanted || null));
    if (!planned) return;
    Object.assign(invitee, planned);
    room.value = planned.room_name ?? "";
    announce(planned.room_name ? t("organiser.planned", { name: invitee.name, room: planned.room_name }) : t("organiser.unplanned", { name: invitee.name }));
  };
  room.addEventListener("keydown", (e) => {
    if (e.key === "Enter") plan();
  });
  return el("tr", { "data-key": n },
    el("th", { scope: "row" }, invitee.name),
    el("td", {}, invitee.organisation),
    el("td", {}, invitee.district),
    el("td", {}, t(`organiser.role_${invitee.role}`)),
    el("td", {}, el("div", { class: "row" }, room,
      el("button", { type: "button", "aria-label": t("organiser.plan_label", { name: invitee.name }), onclick: plan }, t("organiser.plan")))),
    el("td", {}, el("div", { class: "row" }, link,
      el("button", { type: "button", "aria-label": t("organiser.copy_label", { name: invitee.name }), onclick: () => copy(link, t("organiser.link_of", { name: invitee.name })) }, t("organiser.copy")))),
    el("td", {}, t(invitee.joined ? "organiser.yes" : "organiser.no")));
}

let runner = null;

export function render() {
  setText($("invitees-count"), plural("organiser.invitees_count", shown.length));
  show($("invitees-table"), shown.length > 0);
  show($("invitees-export").parentElement, shown.length > 0);
  $("invitees-rows").replaceChildren(...shown.map((invitee) => row(invitee, runner)));
}

async function importFile(run) {
  const file = $("invitees-file").files[0];
  if (!file) {
    problems([t("organiser.import_no_file")]);
    $("invitees-file").focus();
    return;
  }
  const id = meetingId;
  let refused = null;
  const answer = await run(() => api.importInvitees(id, file), (error) => {
    if (error.status !== 400 && error.status !== 413) return false;
    refused = error.body.problems ?? [error.message];
    return true;
  });
  if (id !== meetingId) return;
  if (refused) {
    problems(refused);
    $("invitees-file").focus();
    return;
  }
  if (!answer) return;
  problems(null);
  $("invitees-file").value = "";
  shown = await run(() => api.invitees(id)) ?? shown;
  render();
  announce(plural("organiser.imported", answer.imported));
  $("invitees-count").focus();
}

// `run(request, handled)`: the page's way to send a request and say what went wrong (main).
export function setup(run) {
  runner = run;
  $("invitees-import").addEventListener("submit", (e) => {
    e.preventDefault();
    importFile(run);
  });
}
