// Plenum's browser client: wires the connection, the meeting's state, media and the views.
// Other people's text only ever goes into textContent (dom.js), never into HTML.
import { $, setText, show } from "./dom.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { Connection } from "./connection.js";
import { CLOSE } from "./protocol.js";
import { Meeting, PLENARY } from "./state.js";
import { Peer, capture } from "./peer.js";
import { Tiles } from "./tiles.js";
import { announcement } from "./announcements.js";
import * as join from "./views/join.js";
import * as people from "./views/people.js";
import * as chat from "./views/chat.js";
import * as plenary from "./views/plenary.js";
import * as workshop from "./views/workshop.js";
import * as moderator from "./views/console.js";
import * as agenda from "./views/agenda.js";
import * as speakers from "./views/speakers.js";
import * as showcase from "./views/showcase.js";
import * as questions from "./views/questions.js";
import * as polls from "./views/polls.js";
import * as ending from "./views/ending.js";
import * as doors from "./views/doors.js";
import * as lobby from "./views/lobby.js";
import * as notes from "./views/notes.js";
import * as reportBack from "./views/report_back.js";
import * as contacts from "./views/contacts.js";
import * as layout from "./views/layout.js";
import * as alerts from "./views/alerts.js";

const CONTRAST = "plenum.contrast";

// What every view gets: the state, a way to send a command, and a way to tell the person.
const app = {
  meeting: new Meeting(),
  speaker: null, // the latest active_speaker message
  muteAsked: false, // a moderator asked us to mute, and we have not yet
  joined: false,
  ended: false, // a moderator ended the meeting: the ended screen, for good (views/ending.js)
  endedEvent: null, // the meeting_ended event, when this page saw it
  reloaded: false, // this page came back from the resume token its tab kept
  left: false, // the person chose to leave (views/layout.js)
  // Sends a command; its ref (truthy), or false when not sent. `replies` may hear its reply:
  // accepted(), or refused(error) instead of the page's problem line (a form that says why
  // beside its fields, and keeps what was typed).
  command(message, replies = null) {
    const ref = app.connection.send(message);
    if (!ref) app.problem(t("connection.not_sent"));
    else if (replies) app.replies.set(ref, replies);
    return ref;
  },
  replies: new Map(), // ref → { accepted, refused } of a command still unanswered
  announce(text, urgent = false) {
    const region = $(urgent ? "alert" : "announce");
    // Emptied first, so the same words twice are still read twice.
    region.textContent = "";
    requestAnimationFrame(() => { region.textContent = text; });
  },
  // An error reply in the person's words: its code's, or a general one naming the code.
  errorText(error) {
    return i18n.has(`error.${error.code}`) ? t(`error.${error.code}`, { detail: error.message }) : t("error.other", { code: error.code });
  },
  problem(text) {
    setText($("problem"), text);
  },
  nameOf(id) {
    return app.meeting.person(id)?.name ?? t("people.someone");
  },
  // A room as people know it: its name, never its id (a room deleted since keeps its notes' name).
  roomName(id) {
    return id === PLENARY ? t("rooms.plenary") : app.meeting.reportRoomName(id) ?? t("rooms.gone");
  },
  render,
  meetingEnded: (record) => ending.ended(app, record),
};

// The tab keeps its resume token per link, so a reload comes back as the same person.
app.connection = new Connection({ onMessage: receive, onState: connectionState, link: location.hash.slice(1) });
// Our own tracks or the tiles changed: the camera and microphone buttons, and the stage.
function mediaChanged() {
  if (!app.meeting.state) return;
  plenary.render(app);
  plenary.layout(app);
}
app.tiles = new Tiles({
  videos: $("strip"),
  nameOf: (id) => app.nameOf(id),
  onchange: mediaChanged,
  onview: () => app.peer.view(app.tiles.shown()), // a tile scrolled into view or out of it
});
app.peer = new Peer({
  send: (message) => app.connection.send(message),
  tiles: app.tiles,
  say: (text) => app.problem(text),
  onchange: mediaChanged,
});

function receive(m) {
  const meeting = app.meeting;
  if (lobby.receive(app, m)) return; // waiting for a moderator to let this page in
  if (m.type === "welcome") {
    meeting.you = m.you;
    meeting.limits = m.limits;
    limitFields(m.limits);
    if (m.snapshot) meeting.load(m.snapshot);
    const first = !app.joined;
    app.joined = true;
    app.mediaSettings = m.media;
    if (m.media?.max_view_videos) app.tiles.maxShown = m.media.max_view_videos;
    app.peer.simulcast = m.media?.simulcast === true;
    join.leave(app);
    render();
    // A new connection has no media session on the server: start one (again).
    if (m.media && first && app.reloaded) {
      regain().then((stream) => {
        app.peer.start(m.media.ice_servers, stream);
        render(); // the camera and microphone buttons, now that there are tracks
      });
    }
    else if (m.media) app.peer.start(m.media.ice_servers, first ? join.stream() : undefined);
    else join.dropDevices(); // a server without media: no camera or microphone is kept open
    if (first) $("main").focus();
    if (first) contacts.joined(app); // "share my contacts" ticked on the join form
    return;
  }
  if (m.type === "contacts_link") {
    contacts.received(app, m);
    render();
    return;
  }
  if (m.type === "error") {
    const replies = app.replies.get(m.ref);
    app.replies.delete(m.ref);
    if (m.code === "media_glare") app.peer.glare();
    else if (app.connection.reloaded) return; // the kept token was refused: the close says so
    else if (!app.joined) join.refused(app, m.code, m.opens_at);
    else if (replies?.refused) replies.refused(m);
    else app.problem(app.errorText(m));
    return;
  }
  if (m.type === "chat_page") {
    meeting.addOlderChat(m);
    render();
    return;
  }
  if (m.type === "workshop_notes") { // Workshop notes: the answer to `notes`
    meeting.addNotes(m);
    render();
    return;
  }
  if (m.type === "ok") {
    app.replies.get(m.ref)?.accepted?.();
    app.replies.delete(m.ref);
  }
  if (m.type === "ok" || app.peer.receive(m)) return;
  if (m.type === "active_speaker") {
    app.speaker = m;
    render();
    return;
  }
  if (typeof m.seq !== "number") return;
  const before = { room: meeting.myRoom, role: meeting.me?.role };
  if (!meeting.apply(m)) return;
  const said = announcement(app, m, before);
  if (said) app.announce(said.text, said.urgent);
  if (m.type === "broadcast_sent") workshop.broadcast(app, m);
  if (m.type === "reacted") plenary.reaction(app, m);
  if (m.type === "participant_moved" && m.participant === meeting.you) app.speaker = null;
  if (m.type === "rooms_extended") app.extendedTo = m.deadline;
  if (m.type === "mute_requested" && m.participant === meeting.you) app.muteAsked = true;
  if (m.type === "audio_blocked" && m.participant === meeting.you) app.muteAsked = false; // done for them
  if (m.type === "meeting_ended") {
    app.endedEvent = m;
    ending.ended(app);
  }
  render();
}

// The longest texts the meeting takes, as its welcome says: the fields stop there.
function limitFields(limits) {
  $("chat-text").maxLength = limits.max_chat_chars;
  $("broadcast-input").maxLength = limits.max_chat_chars;
  $("room-name").maxLength = limits.max_room_name_chars;
}

// A reloaded page has lost its camera and microphone: take them again where the browser already
// allows it (never a new prompt), both off until the person turns them on with their buttons.
async function regain() {
  const granted = async (name) => {
    try {
      return (await navigator.permissions.query({ name })).state === "granted";
    } catch {
      return false; // a browser that cannot tell: ask nothing
    }
  };
  const [camera, microphone] = await Promise.all([granted("camera"), granted("microphone")]);
  const stream = await capture({ camera, microphone }).catch(() => null);
  stream?.getTracks().forEach((track) => { track.enabled = false; });
  return stream;
}

function connectionState(state, event) {
  const box = $("connection");
  box.dataset.state = state;
  if (lobby.closed(app, state, event)) return;
  if (app.left) return; // the person left: the page says so (views/layout.js)
  if (state === "ended") ending.ended(app, join.linkRecord());
  else if (app.ended) return; // nothing more to say of a connection once the meeting ended
  else if (state === "reconnecting") setText(box, t("connection.reconnecting"));
  else if (state === "forgotten") {
    app.reloaded = false;
    setText(box, "");
    join.ask(app, event?.code === CLOSE.REMOVED ? t("connection.closed_4003") : "");
  }
  else if (state === "unreachable") setText(box, t("connection.unreachable"));
  else if (state === "closed" && app.joined) {
    const specific = `connection.closed_${event?.code}`;
    setText(box, i18n.has(specific) ? t(specific) : t("connection.closed"));
  }
  else if (state === "closed") join.unreachable(app, event);
  else setText(box, "");
}

function render() {
  if (app.ended) {
    ending.render(app);
    return;
  }
  const meeting = app.meeting;
  if (!meeting.state) return;
  setText($("title"), meeting.state.title);
  const inWorkshop = meeting.myRoom !== PLENARY;
  $("meeting-view").dataset.view = inWorkshop ? "workshop" : "plenary";
  workshop.render(app);
  plenary.render(app);
  speakers.render(app);
  showcase.render(app);
  agenda.render(app);
  questions.render(app);
  people.render(app);
  chat.render(app);
  if (meeting.isModerator) moderator.render(app);
  if (meeting.isModerator) doors.render(app);
  if (meeting.isModerator) lobby.render(app);
  polls.render(app);
  notes.render(app);
  reportBack.render(app);
  contacts.render(app);
  alerts.render(app);
  layout.render(app);
  app.tiles.relabel();
  plenary.layout(app);
}

async function start() {
  await i18n.load();
  $("language").value = i18n.current();
  i18n.translate();
  const contrast = localStorage.getItem(CONTRAST) === "on";
  document.documentElement.classList.toggle("contrast", contrast);
  $("contrast").setAttribute("aria-pressed", String(contrast));

  $("language").addEventListener("change", async (e) => {
    await i18n.choose(e.target.value);
    i18n.translate();
    join.render(app);
    lobby.language();
    render();
  });
  $("contrast").addEventListener("click", (e) => {
    const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
    localStorage.setItem(CONTRAST, on ? "on" : "off");
    document.documentElement.classList.toggle("contrast", on);
    e.currentTarget.setAttribute("aria-pressed", String(on));
  });
  plenary.setup(app);
  people.setup(app);
  workshop.setup(app);
  chat.setup(app);
  moderator.setup(app);
  polls.setup(app);
  agenda.setup(app);
  speakers.setup(app);
  showcase.setup(app);
  questions.setup(app);
  ending.setup(app);
  doors.setup(app);
  lobby.setup(app);
  notes.setup(app);
  reportBack.setup(app);
  contacts.setup(app);
  layout.setup(app);
  setInterval(() => {
    if (app.ended || app.left) return; // no clock runs in an ended meeting, nor once left
    workshop.tick(app);
    agenda.tick(app);
    speakers.tick(app);
    showcase.tick(app);
    reportBack.tick(app);
  }, 1000);
  app.reloaded = app.connection.resumeKept();
  await join.setup(app);
}

start();
