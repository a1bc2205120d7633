// The lobby (docs/protocol.md, "The lobby"): the waiting screen of someone a moderator has not
// let in yet, and in the moderators' console who waits, with the lobby's switch. Everything is
// checked on the server: a waiting page gets nothing of the meeting, and these buttons only send
// the commands. Names are other people's text: they only go into textContent (dom.js).
import { $, el, reconcile, setPerson, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { CLOSE } from "../protocol.js";
import * as join from "./join.js";

let waiting = false; // this page waits in the lobby
let position = 0;

export function setup(app) {
  for (const radio of document.querySelectorAll("input[name=lobby-mode]")) {
    radio.addEventListener("change", () => {
      if (radio.checked) app.command({ type: "set_lobby", mode: radio.value });
    });
  }
  $("lobby-admit-all").addEventListener("click", () => app.command({ type: "admit_all" }));
}

// The lobby's own messages, and the refusal of a waiting page; true when handled here.
export function receive(app, m) {
  if (m.type === "lobby") {
    const first = !waiting;
    waiting = true;
    position = m.position;
    show($("join-view"), false);
    show($("lobby-view"), true);
    setText($("title"), m.title);
    renderWaiting();
    if (first) $("lobby-title").focus();
    return true;
  }
  if (m.type === "admitted") {
    waiting = false;
    show($("lobby-view"), false);
    app.announce(t("lobby.admitted"));
    return true; // the welcome follows, and shows the meeting
  }
  if (m.type === "error" && m.code === "turned_away" && waiting) {
    waiting = false;
    show($("lobby-view"), false);
    show($("notice-view"), true);
    setText($("notice-title"), t("lobby.turned_away_title"));
    setText($("notice-text"), t("lobby.turned_away"));
    $("notice-title").focus();
    return true;
  }
  if (m.type === "error" && m.code === "link_revoked" && waiting) {
    // The organiser withdrew the personal link this page waits with: the join page's notice
    // says so (join.refused), and the close that follows asks for nothing.
    waiting = false;
    show($("lobby-view"), false);
  }
  return false;
}

// The connection of a waiting page closed; true when handled here. Turned away, the notice
// says so already; otherwise the page did not keep its place (nobody waits without a
// connection): it asks to knock again.
export function closed(app, state, event) {
  if (state !== "closed") return false;
  if (event?.code === CLOSE.TURNED_AWAY) return true;
  if (!waiting) return false;
  waiting = false;
  show($("lobby-view"), false);
  // 4009: the same invitation waits in another tab now.
  join.ask(app, t(event?.code === CLOSE.REPLACED ? "connection.closed_4009" : "lobby.lost"));
  return true;
}

export function language() {
  if (waiting) renderWaiting();
}

function renderWaiting() {
  setText($("lobby-position"), t("lobby.position", { n: String(position) }));
}

// The moderators' console: the switch, and who waits in the order they came.
export function render(app) {
  const state = app.meeting.state;
  const mode = state?.lobby_mode ?? "off";
  for (const radio of document.querySelectorAll("input[name=lobby-mode]")) {
    radio.checked = radio.value === mode;
  }
  const people = Object.values(state?.lobby ?? {});
  setText($("lobby-count"), people.length ? t("lobby.count", { n: String(people.length) }) : t("lobby.nobody"));
  show($("lobby-admit-all"), people.length > 1);
  reconcile($("lobby-list"), people, (w) => w.id, (w) => item(app, w), updateItem);
}

function item(app, w) {
  return el("li", { class: "lobby-person" },
    el("span", { class: "who" }),
    el("span", { class: "hint details" }),
    el("span", { class: "row" },
      el("button", { type: "button", class: "admit", onclick: () => app.command({ type: "admit", participant: w.id }) }),
      el("button", { type: "button", class: "refuse", onclick: () => app.command({ type: "refuse", participant: w.id }) }),
    ),
  );
}

function updateItem(node, w) {
  const [who, details, row] = node.children;
  setPerson(who, w.name, w.role === "presenter" ? t("role.presenter") : "");
  setText(details, [w.organisation, w.district, w.group].filter(Boolean).join(" · "));
  const [admit, refuse] = row.children;
  setText(admit, t("lobby.admit"));
  setText(refuse, t("lobby.refuse"));
  admit.setAttribute("aria-label", t("lobby.admit_named", { name: w.name }));
  refuse.setAttribute("aria-label", t("lobby.refuse_named", { name: w.name }));
}
