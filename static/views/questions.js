// Questions to the panel: anyone asks (anonymously if they wish; from a workshop room too, tagged
// with it), upvotes once and takes the vote back, withdraws their own; the open ones are listed by
// votes, then in the order asked, the one being answered highlighted. Moderators mark a question
// being answered, answered, owed (answered in writing later) or dismissed. Who asked an anonymous
// question is in the state only for the moderators and the author (rooms/view.py): shown to them.
import { $, el, reconcile, setPerson, setText, show } from "../dom.js";
import { t, plural, timeOfDay } from "../i18n.js";
import { PLENARY } from "../state.js";
import { badge } from "./people.js";

const OPEN = new Set(["open", "answering"]);
// A moderator's marks, each allowed from these statuses (rooms/questions.py, MARKS).
const MARKS = [
  ["answering", ["open"]],
  ["answered", ["open", "answering", "owed"]],
  ["owed", ["open", "answering"]],
  ["dismissed", ["open", "answering"]],
];

export function setup(app) {
  $("question-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("question-text").value.trim();
    if (!text) return;
    refusal("");
    app.command({ type: "ask_question", text, anonymous: $("question-anonymous").checked }, {
      accepted: () => {
        $("question-text").value = "";
        $("question-anonymous").checked = false;
      },
      refused: (error) => refusal(why(app, error)),
    });
  });
  // A refusal stands until the question is changed or asked again.
  $("question-text").addEventListener("input", () => refusal(""));
  // Enter asks, Shift+Enter makes a new line, as in the chat.
  $("question-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("question-form").requestSubmit();
    }
  });
}

function refusal(text) {
  setText($("question-error"), text);
  show($("question-error"), Boolean(text));
}

// The meeting's reason, in the person's words: the question stays in the field to be changed.
function why(app, error) {
  const limits = app.meeting.limits;
  if (error.code === "too_many_questions") {
    return mine(app) >= limits.max_open_questions
      ? t("questions.refused_yours", { n: limits.max_open_questions })
      : t("questions.refused_meeting", { n: limits.max_questions });
  }
  if (error.code === "invalid") return t("questions.refused_invalid", { max: limits.max_question_chars });
  return app.errorText(error);
}

// How many of your questions are open or being answered: `max_open_questions` counts them.
const mine = (app) => app.meeting.state.questions.asked
  .filter((q) => q.author === app.meeting.you && OPEN.has(q.status)).length;

const numberOf = (q) => q.id.split("-")[1];

export function render(app) {
  const meeting = app.meeting;
  const limits = meeting.limits;
  $("question-text").maxLength = limits.max_question_chars;
  const room = meeting.myRoom;
  setText($("question-hint"), [
    room === PLENARY ? "" : t("questions.from_room_hint", { room: app.roomName(room) }),
    t("questions.limits", { chars: limits.max_question_chars, open: limits.max_open_questions, mine: mine(app) }),
  ].filter(Boolean).join(" "));

  const ranked = meeting.rankedQuestions;
  const open = ranked.filter((q) => OPEN.has(q.status));
  // Dismissed questions stay in the record; listed for the moderators and their author only.
  const closed = meeting.state.questions.asked.filter((q) => !OPEN.has(q.status)
    && (q.status !== "dismissed" || meeting.isModerator || q.author === meeting.you));
  setText($("questions-open-heading"), t("questions.open_heading", { n: open.length }));
  show($("questions-empty"), open.length === 0);
  list(app, $("question-list"), open);
  show($("questions-closed"), closed.length > 0);
  setText($("questions-closed-heading"), t("questions.closed_heading", { n: closed.length }));
  list(app, $("question-closed-list"), closed);
}

function list(app, container, questions) {
  const meeting = app.meeting;
  reconcile(container, questions, (q) => q.id,
    (q) => el("li", {},
      el("p", { class: "q-meta hint" }, el("span", { class: "q-number" }), " · ", el("span", { class: "q-who" }),
        el("span", { class: "q-where" }), " · ", el("time")),
      el("p", { class: "q-text", dir: "auto" }),
      el("p", { class: "q-state" }, el("span", { class: "q-votes" }), el("span", { class: "q-status" })),
      el("div", { class: "row q-actions" },
        el("button", { type: "button", class: "q-vote", onclick: () => vote(app, q.id) }),
        el("button", { type: "button", class: "q-withdraw", onclick: () => app.command({ type: "withdraw_question", question: q.id }) }),
        ...MARKS.map(([status]) => el("button", { type: "button", class: `q-mark-${status}`,
          onclick: () => app.command({ type: "mark_question", question: q.id, status }) })))),
    (li, q) => {
      const words = { n: numberOf(q) };
      const own = q.author === meeting.you;
      setText(li.querySelector(".q-number"), t("questions.number", words));
      author(app, li.querySelector(".q-who"), q);
      setText(li.querySelector(".q-where"), q.room === PLENARY ? "" : ` · ${t("questions.from_room", { room: app.roomName(q.room) })}`);
      const time = li.querySelector("time");
      time.setAttribute("datetime", new Date(q.at * 1000).toISOString());
      setText(time, timeOfDay(q.at));
      setText(li.querySelector(".q-text"), q.text);
      setText(li.querySelector(".q-votes"), plural("questions.votes", q.voters.length));
      setText(li.querySelector(".q-status"), q.status === "open" ? "" : ` · ${t(`questions.status_${q.status}`)}`);
      li.classList.toggle("answering", q.status === "answering");
      li.classList.toggle("own", own);

      const isOpen = OPEN.has(q.status);
      const voted = q.voters.includes(meeting.you);
      const buttons = [
        [".q-vote", isOpen && !own, voted ? "questions.unvote" : "questions.upvote"],
        [".q-withdraw", isOpen && own, "questions.withdraw"],
        ...MARKS.map(([status, from]) => [`.q-mark-${status}`, meeting.isModerator && from.includes(q.status), `questions.mark_${status}`]),
      ];
      for (const [selector, may, key] of buttons) {
        const button = li.querySelector(selector);
        show(button, may);
        setText(button, t(key));
        button.setAttribute("aria-label", t(`${key}_named`, words));
      }
      show(li.querySelector(".q-actions"), buttons.some(([, may]) => may));
    });
}

function vote(app, question) {
  const voted = app.meeting.question(question)?.voters.includes(app.meeting.you);
  app.command({ type: voted ? "retract_upvote" : "upvote_question", question });
}

// Who asked, as this viewer may know it: a name with its badge, "anonymous", or, for the
// moderators and the author of an anonymous question, both.
function author(app, node, q) {
  const you = app.meeting.you;
  if (!q.anonymous) {
    if (q.author === you) setPerson(node, t("questions.by_you"));
    else setPerson(node, app.nameOf(q.author), badge(app, q.author));
    return;
  }
  if (q.author === you) setPerson(node, t("questions.by_you_anonymous"));
  else if (q.author) setPerson(node, t("questions.anonymous_by", { name: app.nameOf(q.author) }));
  else setPerson(node, t("questions.anonymous"));
}
