// The showcase: the current agenda item's presenters in turn (rooms/showcase.py). Everyone sees
// who presents now and the time they have left (the floor's countdown, ticking here each second,
// never read out each second), who is next, who is done and who is absent, each said in words;
// a presenter's own page tells them it is their turn and that they may share their screen.
// Moderators move on to the next presenter in one action, and call a turn that is absent or
// done, naming who presents a turn whose name nobody joined under.
import { $, el, reconcile, setOptions, setPerson, setText, show } from "../dom.js";
import { t, countdown } from "../i18n.js";
import { PLENARY } from "../state.js";
import { badge } from "./people.js";

export function setup(app) {
  $("showcase-next-presenter").addEventListener("click", () => app.command({ type: "next_presenter" }));
}

// The name a turn goes by: the one who presents it, else the name the agenda gave.
function turnName(app, turn) {
  return (turn.participant && app.meeting.person(turn.participant)?.name) || turn.name;
}

// Whether a turn's presenter can be called now (rooms.showcase._here): matched and connected.
const here = (app, turn) => Boolean(turn.participant && app.meeting.person(turn.participant)?.connected);

export function render(app) {
  const meeting = app.meeting;
  const showcase = meeting.state.showcase;
  const running = showcase.item !== null && showcase.turns.length > 0;
  show($("showcase"), running);
  const presenting = meeting.presentingTurn;
  const mine = running && presenting?.participant === meeting.you && meeting.state.floor === meeting.you;
  show($("your-turn"), mine);
  // The screen button is there when the meeting lets them share it (views/plenary.js).
  if (mine) setText($("your-turn"), t($("screen").hidden ? "showcase.your_turn" : "showcase.your_turn_screen"));
  if (!running) return;

  const next = meeting.nextTurn;
  const turns = showcase.turns.map((turn, i) => ({ turn, n: i + 1 }));
  setText($("showcase-heading"), t("showcase.heading", { count: String(turns.length) }));
  setText($("showcase-now"), presenting ? t("showcase.now", { name: turnName(app, presenting) }) : t("showcase.nobody_now"));
  setText($("showcase-next"), next ? t("showcase.next", { name: turnName(app, next) }) : t("showcase.nobody_next"));
  const youNext = next?.participant === meeting.you && !mine;
  show($("showcase-you-next"), youNext);
  if (youNext) setText($("showcase-you-next"), t("showcase.you_next"));

  reconcile($("showcase-turns"), turns, ({ n }) => n,
    ({ n }) => el("li", {}, el("span", { class: "who" }), el("span", { class: "turn-status" }),
      el("span", { class: "turn-actions" },
        el("label", { class: "visually-hidden", for: `showcase-who-${n}` }),
        el("select", { id: `showcase-who-${n}`, class: "turn-who" }),
        el("button", { type: "button", class: "turn-call", onclick: () => call(app, n - 1) }))),
    (li, { turn, n }) => {
      const name = turnName(app, turn);
      setPerson(li.querySelector(".who"), name, turn.participant ? badge(app, turn.participant) : "");
      li.dataset.status = turn.status;
      if (turn.status === "presenting") li.setAttribute("aria-current", "true");
      else li.removeAttribute("aria-current");
      setText(li.querySelector(".turn-status"), ` · ${status(app, turn, turn === next)}`);
      // A moderator calls a turn that is over (absent or done), and names who presents a turn
      // nobody has joined for: the meeting's connected people to choose from.
      const naming = turn.participant === null && turn.status !== "presenting";
      const callable = turn.status === "absent" || turn.status === "done" || naming;
      show(li.querySelector(".turn-actions"), meeting.isModerator && callable);
      if (!meeting.isModerator || !callable) return;
      const words = { n: String(n), name };
      const select = li.querySelector(".turn-who");
      show(select, naming);
      show(li.querySelector("label"), naming);
      setText(li.querySelector("label"), t("showcase.who_named", words));
      if (naming) {
        const people = meeting.people().filter((p) => p.connected && p.room === PLENARY);
        setOptions(select, people.map((p) => [p.id, p.name]));
      }
      const button = li.querySelector(".turn-call");
      setText(button, t("showcase.call"));
      button.setAttribute("aria-label", t(naming ? "showcase.call_naming" : "showcase.call_named", words));
      button.disabled = naming ? select.options.length === 0 : !here(app, turn);
    });

  // One action moves on: the next presenter, or, when nobody waits, the end of the turn on now.
  show($("showcase-controls"), meeting.isModerator);
  const button = $("showcase-next-presenter");
  button.disabled = !next && !presenting;
  setText(button, next ? t("showcase.next_presenter", { name: turnName(app, next) })
    : presenting ? t("showcase.end_turn", { name: turnName(app, presenting) }) : t("showcase.all_done"));
  tick(app);
}

// A turn's status in words, never by colour alone.
function status(app, turn, isNext) {
  const words = [t(isNext ? "showcase.status_next" : `showcase.status_${turn.status}`)];
  if (turn.status === "waiting" && !here(app, turn)) words.push(t(turn.participant ? "showcase.offline" : "showcase.not_joined"));
  if (turn.participant === app.meeting.you) words.push(t("people.you"));
  return words.join(", ");
}

function call(app, turn) {
  const chosen = app.meeting.state.showcase.turns[turn];
  if (!chosen) return;
  const select = $(`showcase-who-${turn + 1}`);
  const participant = chosen.participant === null ? select?.value : null;
  if (chosen.participant === null && !participant) return;
  app.command({ type: "call_presenter", turn, ...(participant ? { participant } : {}) });
}

// Once a second: the presenter's time left, on the server's deadline.
export function tick(app) {
  const s = app.meeting.state;
  if (!s) return;
  const presenting = app.meeting.presentingTurn;
  const { deadline, warned } = s.floor_clock;
  const running = Boolean(presenting && s.floor === presenting.participant && deadline);
  const clock = $("showcase-clock");
  show(clock, running);
  clock.classList.toggle("warning", running && warned);
  if (running) {
    const left = countdown(deadline - Date.now() / 1000);
    setText(clock, t(warned ? "speakers.left_warning" : "speakers.left", { name: turnName(app, presenting), left }));
  }
}
