// Polls (rooms/polls.py): the moderators' form to create one, and for each poll the ballot of
// whoever may vote, the room's tally (counts only for a named poll with live results), the
// result with its quorum, and for the moderators the actions and, in a named poll, who chose
// what. A screen reader hears a poll open and its result, never each tally (announcement below).
// Other people's words (questions, options, names) only ever go into textContent.
import { $, el, reconcile, setOptions, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { PLENARY } from "../state.js";

// A secret ballot's `secret` (docs/protocol.md, cast_ballot): made once per poll and kept for the
// tab, so a changed ballot after a reload replaces the first instead of being refused.
const SECRET_BYTES = 16; // 32 hex characters: within the server's 16..64
const secretKey = (poll) => `plenum.ballot.${location.pathname}${location.hash}.${poll}`;
const pageSecrets = new Map(); // where the browser refuses storage: as long as the page lives

function ballotSecret(poll) {
  const key = secretKey(poll);
  let secret = pageSecrets.get(key) ?? stored(() => sessionStorage.getItem(key));
  if (!secret) {
    const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
    secret = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    stored(() => sessionStorage.setItem(key, secret));
  }
  pageSecrets.set(key, secret);
  return secret;
}

function stored(use) {
  try {
    return use();
  } catch {
    return null; // storage refused
  }
}

// A refusal shows the server's reason beside the form or ballot that sent the command (the
// page's problem line is for everything else).
function send(app, message, error, done = () => {}) {
  show(error, false);
  app.command(message, {
    accepted: done,
    refused(m) {
      setText(error, t("polls.refused", { reason: m.message }));
      show(error, true);
    },
  });
}

export function setup(app) {
  const form = $("poll-form");
  form.addEventListener("change", formState);
  $("poll-quorum-kind").addEventListener("change", () => {
    $("poll-quorum").value = $("poll-quorum-kind").value === "share" ? "50" : "1";
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    send(app, createMessage(), $("poll-error"), () => {
      $("poll-question").value = "";
      $("poll-options").value = "";
      $("poll-question").focus();
    });
  });
  formState();
}

function checkedValue(name) {
  return document.querySelector(`input[name="${name}"]:checked`).value;
}

// The form follows its choices: options for one or many, the most choices for many, and a
// secret poll's results only after closing (said in words, the live choice disabled).
function formState() {
  const kind = checkedValue("poll-kind");
  show($("poll-options-field"), kind !== "yes_no_abstain");
  show($("poll-max-field"), kind === "many");
  const secret = checkedValue("poll-secret") === "secret";
  const live = document.querySelector('input[name="poll-results"][value="live"]');
  live.disabled = secret;
  if (secret) document.querySelector('input[name="poll-results"][value="after_close"]').checked = true;
  show($("poll-results-hint"), secret);
  const quorum = $("poll-quorum-kind").value;
  $("poll-quorum").disabled = !quorum;
  $("poll-quorum").max = quorum === "share" ? "100" : "";
}

function createMessage() {
  const kind = checkedValue("poll-kind");
  const secret = checkedValue("poll-secret") === "secret";
  const quorumKind = $("poll-quorum-kind").value;
  const quorumValue = Number($("poll-quorum").value);
  let quorum = null;
  if (quorumKind === "share") quorum = { share: quorumValue / 100 };
  else if (quorumKind === "count") quorum = { count: quorumValue };
  const room = $("poll-room").value;
  const message = {
    type: "create_poll",
    question: $("poll-question").value.trim(),
    kind,
    secret,
    results: checkedValue("poll-results"),
    voters: { moderators: $("poll-moderators").checked, presenters: $("poll-presenters").checked },
    quorum,
    room: room && room !== PLENARY ? room : null,
  };
  if (kind !== "yes_no_abstain") {
    message.options = $("poll-options").value.split("\n").map((o) => o.trim()).filter(Boolean);
  }
  if (kind === "many") message.max_choices = Number($("poll-max").value);
  return message;
}

// An option as the page shows it: yes / no / abstain in the person's language.
function optionText(poll, index) {
  const option = poll.options[index];
  return poll.kind === "yes_no_abstain" ? t(`polls.option_${option}`) : option;
}

// Who sees a poll: the moderators every one; the others a poll once it opens, the meeting's or
// their room's (or one they may vote in, wherever they went since).
function visible(meeting, poll) {
  if (meeting.isModerator) return true;
  if (poll.status === "draft") return false;
  return poll.room === null || poll.room === meeting.myRoom || poll.eligible.includes(meeting.you);
}

function quorumText(poll) {
  if (!poll.quorum) return "";
  return poll.quorum.share !== null && poll.quorum.share !== undefined
    ? t("polls.quorum_is_share", { share: Math.round(poll.quorum.share * 1000) / 10 })
    : t("polls.quorum_is_count", { count: poll.quorum.count });
}

function metaText(app, poll) {
  const parts = [
    t(`polls.status_${poll.status}`),
    t(poll.secret ? "polls.secret" : "polls.named"),
    poll.kind === "many" ? t("polls.kind_many_up_to", { k: poll.max_choices }) : t(`polls.kind_${poll.kind}`),
    t(poll.results === "live" ? "polls.results_live_short" : "polls.results_after_short"),
    poll.room ? t("polls.for_room", { room: app.roomName(poll.room) }) : t("polls.for_meeting"),
  ];
  const quorum = quorumText(poll);
  if (quorum) parts.push(quorum);
  return parts.join(" · ");
}

export function render(app) {
  const meeting = app.meeting;
  const polls = meeting.state.polls.polls.filter((poll) => visible(meeting, poll));
  show($("polls-empty"), polls.length === 0);
  reconcile($("poll-list"), polls, (poll) => poll.id, (poll) => create(app, poll), (li, poll) => update(app, li, poll));
  show($("poll-form"), meeting.isModerator);
  if (meeting.isModerator) {
    const inRoom = meeting.myRoom !== PLENARY;
    show($("poll-room-field"), inRoom);
    setOptions($("poll-room"), inRoom
      ? [[PLENARY, t("polls.for_meeting")], [meeting.myRoom, t("polls.for_room", { room: app.roomName(meeting.myRoom) })]]
      : [[PLENARY, t("polls.for_meeting")]]);
    const limits = meeting.limits;
    setText($("poll-question-hint"), t("polls.question_hint", {
      chars: limits.max_poll_question_chars, options: limits.max_poll_options, option_chars: limits.max_poll_option_chars,
    }));
  }
}

function create(app, poll) {
  const id = `poll-${poll.id}`;
  const choiceType = poll.kind === "many" ? "checkbox" : "radio";
  const inputs = poll.options.map((_, i) => el("input", {
    type: choiceType, name: `${id}-choice`, value: String(i), id: `${id}-choice-${i}`,
  }));
  const ballot = el("form", { class: "ballot", novalidate: true },
    el("fieldset", { "aria-describedby": `${id}-own` },
      el("legend", { class: "ballot-legend" }),
      ...inputs.map((input, i) => el("label", { class: "check", for: input.id }, input, el("span", { class: "option-text", "data-index": String(i) }))),
      el("p", { class: "hint ballot-hint" })),
    el("p", { class: "own", id: `${id}-own` }),
    el("p", { class: "error ballot-error", role: "alert", hidden: true }),
    el("button", { type: "submit", class: "vote" }));
  // Several choices: at most `max_choices` of them; the others wait until one is unticked.
  ballot.addEventListener("change", () => limitChoices(ballot, poll.max_choices, choiceType));
  ballot.addEventListener("submit", (e) => {
    e.preventDefault();
    vote(app, poll.id, ballot);
  });
  const actions = el("div", { class: "row poll-actions" },
    el("button", { type: "button", class: "open", onclick: () => act(app, "open_poll", poll.id, actions) }),
    el("button", { type: "button", class: "close", onclick: () => act(app, "close_poll", poll.id, actions) }),
    el("button", { type: "button", class: "remove", onclick: () => act(app, "remove_poll", poll.id, actions) }),
    el("p", { class: "error action-error", role: "alert", hidden: true }));
  return el("li", { class: "poll" },
    el("h3", { class: "poll-question", id: `${id}-question` }),
    el("p", { class: "poll-meta" }),
    el("p", { class: "poll-status" }),
    ballot,
    el("ul", { class: "counts" }),
    el("p", { class: "poll-result" }),
    el("details", { class: "who" }, el("summary"), el("ul", { class: "who-list" })),
    actions);
}

function limitChoices(ballot, most, choiceType) {
  if (choiceType !== "checkbox") return;
  const boxes = [...ballot.querySelectorAll("input")];
  const full = boxes.filter((b) => b.checked).length >= most;
  for (const box of boxes) if (!ballot.dataset.closed) box.disabled = full && !box.checked;
}

function vote(app, pollId, ballot) {
  const poll = app.meeting.poll(pollId);
  const error = ballot.querySelector(".ballot-error");
  const choices = [...ballot.querySelectorAll("input")].filter((i) => i.checked).map((i) => Number(i.value));
  if (!poll || choices.length === 0) {
    setText(error, t("polls.choose_first"));
    show(error, true);
    return;
  }
  const message = { type: "cast_ballot", poll: pollId, choices };
  if (poll.secret) message.secret = ballotSecret(pollId);
  send(app, message, error);
}

function act(app, type, poll, actions) {
  send(app, { type, poll }, actions.querySelector(".action-error"));
}

function update(app, li, poll) {
  const meeting = app.meeting;
  const you = meeting.you;
  const question = li.querySelector(".poll-question");
  setText(question, poll.question);
  setText(li.querySelector(".poll-meta"), metaText(app, poll));
  const eligible = poll.eligible.length;
  const voted = poll.status === "open" ? poll.tally.voted : poll.result?.voted ?? poll.tally.voted;
  setText(li.querySelector(".poll-status"), poll.status === "draft" ? t("polls.draft_hint")
    : poll.status === "closed" && !poll.result ? t("polls.counting")
    : t("polls.voted_of", { voted, eligible }));

  // The ballot: for whoever may vote, while the poll is open; their own shown under it.
  const ballot = li.querySelector(".ballot");
  const mayVote = poll.status === "open" && poll.eligible.includes(you);
  const hasVoted = poll.voted.includes(you);
  const own = poll.ballots[you];
  show(ballot, mayVote || (poll.status === "closed" && hasVoted));
  setText(ballot.querySelector(".ballot-legend"), t("polls.your_vote_on", { question: poll.question }));
  for (const span of ballot.querySelectorAll(".option-text")) setText(span, optionText(poll, Number(span.dataset.index)));
  setText(ballot.querySelector(".ballot-hint"), poll.kind === "many" ? t("polls.up_to", { k: poll.max_choices }) : "");
  show(ballot.querySelector(".ballot-hint"), poll.kind === "many");
  const inputs = [...ballot.querySelectorAll("input")];
  // The own ballot ticks the boxes when it arrives or changes, not on every render: a choice
  // being made stays as it is.
  const signature = JSON.stringify(own ?? null);
  if (own && ballot.dataset.shown !== signature) {
    for (const input of inputs) input.checked = own.includes(Number(input.value));
  }
  ballot.dataset.shown = signature;
  if (mayVote) delete ballot.dataset.closed;
  else ballot.dataset.closed = "yes";
  for (const input of inputs) input.disabled = !mayVote;
  if (mayVote) limitChoices(ballot, poll.max_choices, poll.kind === "many" ? "checkbox" : "radio");
  const button = ballot.querySelector(".vote");
  show(button, mayVote);
  setText(button, t(hasVoted ? "polls.change_vote" : "polls.vote"));
  button.setAttribute("aria-label", t(hasVoted ? "polls.change_vote_named" : "polls.vote_named", { question: poll.question }));
  let ownText = t("polls.not_voted");
  if (own) ownText = t("polls.your_ballot", { choices: own.map((i) => optionText(poll, i)).join(", ") });
  else if (hasVoted) ownText = t(poll.secret ? "polls.voted_secret" : "polls.voted");
  setText(ballot.querySelector(".own"), ownText);

  // The counts: live ones while open (a named poll with live results), the result's once closed.
  const counts = poll.result ? poll.result.counts : poll.status === "open" ? poll.tally.counts : null;
  const countsList = li.querySelector(".counts");
  show(countsList, Boolean(counts));
  if (counts) {
    const base = poll.result ? poll.result.voted : poll.tally.voted;
    reconcile(countsList, counts.map((n, i) => ({ i, n })), (row) => row.i,
      () => el("li", {}, el("span", { class: "count-text" }), el("span", { class: "count-bar", "aria-hidden": "true" }, el("span", { class: "count-fill" }))),
      (row, { i, n }) => {
        const share = base ? Math.round((n / base) * 100) : 0;
        setText(row.querySelector(".count-text"), t("polls.count", { option: optionText(poll, i), count: n, share }));
        row.querySelector(".count-fill").style.width = `${share}%`;
      });
  }
  const result = li.querySelector(".poll-result");
  show(result, Boolean(poll.result));
  if (poll.result) {
    const r = poll.result;
    const quorum = r.quorum_met === null || r.quorum_met === undefined ? t("polls.no_quorum")
      : t(r.quorum_met ? "polls.quorum_met" : "polls.quorum_not_met", { quorum: quorumText(poll) });
    setText(result, t("polls.result", { eligible: r.eligible, voted: r.voted, quorum }));
    result.classList.toggle("not-met", r.quorum_met === false);
  }

  // Who chose what: a named poll's ballots reach only the voter and the moderators.
  const who = li.querySelector(".who");
  const named = Object.entries(poll.ballots);
  show(who, meeting.isModerator && !poll.secret && named.length > 0);
  setText(who.querySelector("summary"), t("polls.who_chose", { n: named.length }));
  reconcile(who.querySelector(".who-list"), named, ([voter]) => voter, () => el("li"),
    (item, [voter, choices]) => setText(item, t("polls.who_line", {
      name: app.nameOf(voter), choices: choices.map((i) => optionText(poll, i)).join(", "),
    })));

  const actions = li.querySelector(".poll-actions");
  show(actions, meeting.isModerator);
  for (const [selector, key, shown] of [
    [".open", "polls.open", poll.status === "draft"],
    [".close", "polls.close", poll.status === "open"],
    [".remove", "polls.remove", poll.status !== "open"],
  ]) {
    const action = actions.querySelector(selector);
    show(action, shown);
    setText(action, t(key));
    action.setAttribute("aria-label", t(`${key}_named`, { question: poll.question }));
  }
}

// What a screen reader hears: a poll opening that this person sees, and its result.
export function announcement(app, e) {
  const meeting = app.meeting;
  const poll = meeting.poll(e.poll);
  if (!poll || !visible(meeting, poll)) return null;
  if (e.type === "poll_opened") {
    const key = poll.eligible.includes(meeting.you) ? "announce.poll_opened_vote" : "announce.poll_opened";
    return { text: t(key, { question: poll.question }) };
  }
  if (e.type === "poll_result") {
    const counts = e.counts.map((n, i) => t("polls.count_short", { option: optionText(poll, i), count: n })).join(", ");
    const quorum = e.quorum_met === null || e.quorum_met === undefined ? ""
      : t(e.quorum_met ? "polls.quorum_met" : "polls.quorum_not_met", { quorum: quorumText(poll) });
    const text = t("announce.poll_result", { question: poll.question, voted: e.voted, eligible: e.eligible, counts });
    return { text: quorum ? `${text} ${quorum}` : text };
  }
  return null;
}
