// The organiser's page (organiser.html): sign in with the admin token or the organiser password,
// then the meetings, each with its links, invitees and who has joined. The view is in the
// address (#meeting/<id>, #edit/<id>, #new), so Back and a reload keep it.
import { $, setText, show } from "./dom.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import * as api from "./organiser/api.js";
import * as editor from "./organiser/editor.js";
import * as invitees from "./organiser/invitees.js";
import * as links from "./organiser/links.js";
import * as list from "./organiser/list.js";
import * as people from "./organiser/people.js";
import { announce, confirm, describe, problem, when } from "./organiser/page.js";

const CONTRAST = "plenum.contrast";
const VIEWS = ["sign-in", "meetings-view", "editor", "meeting-view"];
let signedIn = false;
let meeting = null; // the meeting shown or edited, as the API gave it
let meetingLinks = null; // its links, as the API gave them

function view(id) {
  for (const other of VIEWS) show($(other), other === id);
  show($("sign-out"), signedIn);
  if (id !== "meeting-view") people.stop();
}

// Sends a request; on failure says why (a lapsed session goes back to signing in) and resolves
// to null. `handled(error)` may take an error on itself by returning true.
async function run(request, handled = () => false) {
  try {
    const answer = await request();
    problem("");
    return answer ?? {};
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    if (handled(error)) return null;
    if (error.status === 401) {
      signedIn = false;
      showSignIn(t("organiser.signed_out"));
      return null;
    }
    problem(describe(error));
    return null;
  }
}

function showSignIn(message = "") {
  view("sign-in");
  setText($("sign-in-error"), message);
  show($("sign-in-error"), Boolean(message));
  $("sign-in-password").focus();
}

async function signIn() {
  const field = $("sign-in-password");
  const password = field.value;
  if (!password) {
    showSignIn(t("organiser.password_needed"));
    return;
  }
  $("sign-in-submit").disabled = true;
  try {
    await api.signIn(password);
  } catch (error) {
    field.value = "";
    const message = error.status === 401 ? t("organiser.wrong_password")
      : error.status === 429 ? t("organiser.too_many", { seconds: error.retryAfter ?? "" })
      : describe(error);
    showSignIn(message);
    return;
  } finally {
    $("sign-in-submit").disabled = false;
  }
  // The password goes with the request that made the session, and no further.
  field.value = "";
  signedIn = true;
  announce(t("organiser.signed_in"));
  await route();
}

async function signOut() {
  await run(() => api.signOut());
  signedIn = false;
  meeting = null;
  showSignIn();
  announce(t("organiser.signed_out_now"));
}

async function showList(focus) {
  const shown = await run(() => list.render());
  if (!shown) return;
  view("meetings-view");
  if (focus) $("meetings-heading").focus();
}

async function showMeeting(id, focus) {
  const [found, linkList, invited] = await Promise.all([
    run(() => api.get(id)),
    run(() => api.links(id)),
    run(() => api.invitees(id)),
  ]);
  if (!found || !linkList || !invited || !signedIn) return;
  meeting = found;
  meetingLinks = linkList;
  view("meeting-view");
  renderMeeting();
  links.render(id, linkList, (request) => run(request));
  invitees.open(id, invited);
  people.watch(id, (error) => run(() => Promise.reject(error)), (found) => {
    // The state says how many are present as the live list does.
    meeting.present = found.filter((person) => person.connected).length;
    renderMeeting();
  });
  if (focus) $("meeting-heading").focus();
}

function renderMeeting() {
  setText($("meeting-heading"), meeting.title);
  setText($("meeting-when"), when(meeting.starts_at, meeting.ends_at));
  const state = list.stateOf(meeting);
  setText($("meeting-state"), meeting.locked ? `${state}; ${t("organiser.locked")}` : state);
  setText($("meeting-language"), t(`organiser.language_${meeting.language ?? "pl"}`));
  setText($("meeting-description"), meeting.description || t("organiser.no_description"));
}

async function showEditor(id) {
  meeting = id ? await run(() => api.get(id)) : null;
  if (id && !meeting) return;
  editor.open(meeting);
  editor.render();
  view("editor");
  $("editor-heading").focus();
}

async function route(focus = true) {
  if (!signedIn) {
    showSignIn();
    return;
  }
  let where, id;
  try {
    [where, id] = location.hash.slice(1).split("/").map(decodeURIComponent);
  } catch {
    where = ""; // an address typed wrong: the list
  }
  if (where === "meeting" && id) await showMeeting(id, focus);
  else if (where === "edit" && id) await showEditor(id);
  else if (where === "new") await showEditor(null);
  else await showList(focus);
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function save() {
  const id = await editor.save().catch((error) => {
    if (error.status === 401) run(() => Promise.reject(error));
    return null;
  });
  if (!id) return;
  announce(t("organiser.saved"));
  go(`#meeting/${encodeURIComponent(id)}`);
}

async function remove() {
  const { id, title } = meeting;
  const sure = await confirm(t("organiser.delete_title", { title }), t("organiser.delete_text"), "organiser.delete_confirm");
  if (!sure) return;
  if (!(await run(() => api.remove(id)))) return;
  announce(t("organiser.deleted", { title }));
  go("");
}

function render() {
  i18n.translate();
  document.title = t("organiser.page_title");
  if (!signedIn) return;
  editor.render();
  if (!$("meetings-view").hidden) showList(false);
  if ($("meeting-view").hidden) return;
  // Drawn again in the new language from what was read; the live list reads on by itself.
  renderMeeting();
  links.render(meeting.id, meetingLinks, (request) => run(request));
  invitees.render();
  people.render();
}

async function start() {
  await i18n.load();
  $("language").value = i18n.current();
  const contrast = localStorage.getItem(CONTRAST) === "on";
  document.documentElement.classList.toggle("contrast", contrast);
  $("contrast").setAttribute("aria-pressed", String(contrast));
  $("language").addEventListener("change", async (e) => {
    await i18n.choose(e.target.value);
    render();
  });
  $("contrast").addEventListener("click", (e) => {
    const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
    localStorage.setItem(CONTRAST, on ? "on" : "off");
    document.documentElement.classList.toggle("contrast", on);
    e.currentTarget.setAttribute("aria-pressed", String(on));
  });
  $("sign-in").addEventListener("submit", (e) => {
    e.preventDefault();
    signIn();
  });
  $("sign-out").addEventListener("click", signOut);
  $("new-meeting").addEventListener("click", () => go("#new"));
  $("back-to-list").addEventListener("click", () => go(""));
  $("meeting-edit").addEventListener("click", () => go(`#edit/${encodeURIComponent(meeting.id)}`));
  $("meeting-delete").addEventListener("click", remove);
  $("editor").addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  $("editor-cancel").addEventListener("click", () => go(meeting ? `#meeting/${encodeURIComponent(meeting.id)}` : ""));
  editor.setup();
  invitees.setup(run);
  window.addEventListener("hashchange", () => route());
  i18n.translate();
  document.title = t("organiser.page_title");
  try {
    signedIn = await api.resume();
  } catch (error) {
    showSignIn(describe(error));
    return;
  }
  await route(false);
}

start();
