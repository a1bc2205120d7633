// The meeting's screen: the side panel and its tabs (with what is new in each), the moderator's
// console as a view in place of the stage, the reactions' menu, and leaving. Where things are,
// not what they say: each panel's content is its own view's.
import { $, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { PLENARY } from "../state.js";

// A screen this wide opens the meeting with the panel open; a phone opens it on the stage.
const WIDE = "(min-width: 64rem)";

const view = {
  side: false, // the side panel is open
  tab: "chat", // the tab shown in it
  console: false, // a moderator shows the console in place of the stage
  // What was new when each tab was last looked at, so that only what came since counts: the
  // newest chat message's seq, and the questions and polls seen (null until the first render).
  chatSeen: null,
  questionsSeen: null,
  pollsSeen: null,
};

function tabs() {
  return [...$("side-tabs").querySelectorAll("[role=tab]")];
}

export function setup(app) {
  view.side = window.matchMedia(WIDE).matches;
  for (const tab of tabs()) {
    tab.addEventListener("click", () => choose(app, tab.dataset.panel));
    // The tabs pattern: the arrows, Home and End move along the tabs, and show each.
    tab.addEventListener("keydown", (e) => {
      const all = tabs().filter((shown) => !shown.hidden);
      const at = all.indexOf(tab);
      const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: all.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      const next = all[(to + all.length) % all.length];
      choose(app, next.dataset.panel);
      next.focus();
    });
  }
  $("panel-toggle").addEventListener("click", () => {
    view.side = !view.side;
    render(app);
    if (view.side) tabs().find((tab) => tab.dataset.panel === view.tab).focus();
  });
  $("side-close").addEventListener("click", () => {
    view.side = false;
    render(app);
    $("panel-toggle").focus();
  });
  $("console-toggle").addEventListener("click", () => {
    view.console = !view.console;
    render(app);
    if (view.console) $("console").focus();
  });
  // The reactions' menu closes once a reaction is sent, on Escape, and on a click elsewhere.
  $("reactions-toggle").addEventListener("click", () => openReactions($("reactions").hidden));
  $("reactions").addEventListener("click", (e) => { if (e.target.closest("button")) openReactions(false, true); });
  $("reactions").addEventListener("keydown", (e) => { if (e.key === "Escape") openReactions(false, true); });
  document.addEventListener("click", (e) => {
    if (!$("reactions").hidden && !e.target.closest(".reactions-box")) openReactions(false);
  });
  $("leave").addEventListener("click", () => leave(app));
  $("rejoin").addEventListener("click", () => location.reload());
}

// Opens the side panel on `panel` (its section's id).
function choose(app, panel) {
  view.side = true;
  view.tab = panel;
  render(app);
}

// Shows the console (a moderator's) or the stage.
export function showConsole(app, on) {
  view.console = on;
  render(app);
}

function openReactions(open, refocus = false) {
  show($("reactions"), open);
  $("reactions-toggle").setAttribute("aria-expanded", String(open));
  if (open) $("reactions").querySelector("button")?.focus();
  else if (refocus) $("reactions-toggle").focus();
}

// Leaving: the media and the connection stop, and the page says so with a way back. The tab
// keeps its resume token, so "Join again" comes back as the same person while the meeting
// still holds their place (as a reload does).
function leave(app) {
  app.left = true;
  app.peer.stop();
  for (const track of app.peer.stream?.getTracks() ?? []) track.stop();
  app.connection.stop();
  show($("meeting-view"), false);
  show($("notice-view"), true);
  setText($("notice-title"), t("controls.left_title"));
  setText($("notice-text"), t("controls.left_text"));
  show($("rejoin"), true);
  setText($("where"), "");
  show($("timer"), false);
  $("notice-title").focus();
}

// The speakers' list is the plenary's: in a workshop only moderators (who run it from
// anywhere) have its tab.
function available(app, panel) {
  const meeting = app.meeting;
  return panel !== "hands" || meeting.myRoom === PLENARY || meeting.isModerator;
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  if (!s) return;
  if (!available(app, view.tab)) view.tab = "chat";
  if (!meeting.isModerator) view.console = false;
  show($("console-toggle"), meeting.isModerator);
  $("console-toggle").setAttribute("aria-pressed", String(view.console));
  show($("console"), view.console);
  show($("stage"), !view.console);

  show($("side"), view.side);
  $("meeting-main").dataset.side = view.side ? "open" : "closed";
  $("panel-toggle").setAttribute("aria-expanded", String(view.side));
  for (const tab of tabs()) {
    show(tab, available(app, tab.dataset.panel));
    const selected = tab.dataset.panel === view.tab;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    show($(tab.dataset.panel), selected);
  }
  const notesShown = !$("room-notes").hidden || !$("workshop-notes").hidden;
  show($("notes-none"), !notesShown);
  counts(app);
}

// What is new in each tab not in sight: chat messages, questions and polls since it was last
// looked at; the speakers' tab counts the hands up. The count is shown beside the tab's name
// and is part of its name for a screen reader (the number itself is aria-hidden in the markup).
function counts(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const looking = (panel) => view.side && view.tab === panel;
  const chat = s.chat.filter((c) => (c.to ? true : c.room === meeting.myRoom) && c.sender !== meeting.you);
  const newest = s.chat.at(-1)?.seq ?? 0;
  if (view.chatSeen === null || looking("chat")) view.chatSeen = newest;
  const questions = s.questions.asked.map((q) => q.id);
  if (view.questionsSeen === null || looking("questions")) view.questionsSeen = new Set(questions);
  const polls = s.polls.polls.map((poll) => poll.id);
  if (view.pollsSeen === null || looking("polls")) view.pollsSeen = new Set(polls);
  const unread = {
    chat: chat.filter((c) => c.seq > view.chatSeen).length,
    questions: questions.filter((id) => !view.questionsSeen.has(id)).length,
    polls: polls.filter((id) => !view.pollsSeen.has(id)).length,
  };
  for (const [tab, n] of Object.entries(unread)) badge($(`tab-${tab}`), n, "side.unread");
  badge($("tab-hands"), s.hand_queue.length, "side.hands_up");
  // A closed panel (a phone's, at first) still says that something new waits in it.
  badge($("panel-toggle"), view.side ? 0 : Object.values(unread).reduce((a, b) => a + b, 0), "side.unread");
}

function badge(button, n, key) {
  const mark = button.querySelector(".unread");
  show(mark, n > 0);
  setText(mark, n > 0 ? String(n) : "");
  const name = button.querySelector(".tab-name").textContent;
  if (n > 0) button.setAttribute("aria-label", t(key, { name, n: String(n) }));
  else button.removeAttribute("aria-label");
}
