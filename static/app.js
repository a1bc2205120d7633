// Plenum's minimal page: join, see who is where, chat, raise a hand; a moderator splits and recalls.
// Other people's text only ever goes into textContent, never into HTML.
import { encode, decode } from "./vendor/msgpack/index.mjs";
import { Media } from "./media.js";

const $ = (id) => document.getElementById(id);
const token = decodeURIComponent(location.hash.slice(1));
const meeting = { you: null, resume: null, seq: 0, state: null };
let socket = null;
let pendingHello = null;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(encode({ v: 1, ...message }));
}

function status(text) { $("status").textContent = text; }

const media = new Media({ send, nameOf: (id) => nameOf(id), videos: $("videos"), say: status });

function connect(first) {
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => { status(""); send(first()); };
  socket.onmessage = (e) => receive(decode(new Uint8Array(e.data)));
  socket.onclose = (e) => {
    if (e.code >= 4000 && e.code !== 4005) { status(`Disconnected: ${e.reason || e.code}`); return; }
    if (!meeting.resume) return;
    status("Reconnecting…");
    setTimeout(() => connect(() => ({ type: "resume", resume: meeting.resume, last_seq: meeting.seq })), 1000);
  };
}

function receive(m) {
  if (m.type === "welcome") {
    meeting.you = m.you;
    meeting.resume = m.resume;
    if (m.snapshot) meeting.state = m.snapshot;
    meeting.seq = m.seq;
    meeting.media = m.media;
    $("join").hidden = true;
    $("meeting").hidden = false;
    $("media-start").hidden = !m.media;
    // A new connection has no media session on the server: start one again if we had one.
    if (media.pc && m.media) media.start(m.media.ice_servers);
  } else if (m.type === "error") {
    status(`${m.code}: ${m.message}`);
    return;
  } else if (m.type === "ok" || media.receive(m)) {
    return;
  } else if (typeof m.seq === "number") {
    if (m.seq <= meeting.seq) return;
    meeting.seq = m.seq;
    apply(meeting.state, m);
  }
  render();
}

// Keeps the page's copy of the meeting in step with the server's events (see docs/protocol.md).
function apply(s, e) {
  const p = s.participants[e.participant];
  switch (e.type) {
    case "participant_joined":
      s.participants[e.participant] = { id: e.participant, name: e.name, role: e.role, room: e.room,
        organisation: e.organisation, district: e.district, group: e.group, connected: true };
      break;
    case "participant_reconnected": p.connected = true; break;
    case "participant_disconnected": p.connected = false; break;
    case "participant_removed":
      delete s.participants[e.participant];
      s.hand_queue = s.hand_queue.filter((x) => x !== e.participant);
      break;
    case "role_changed": p.role = e.role; break;
    case "participant_moved": p.room = e.room; break;
    case "hand_raised": s.hand_queue.push(e.participant); break;
    case "hand_lowered": s.hand_queue = s.hand_queue.filter((x) => x !== e.participant); break;
    case "floor_given":
      s.floor = e.participant;
      s.hand_queue = s.hand_queue.filter((x) => x !== e.participant);
      break;
    case "floor_taken": s.floor = null; break;
    case "chat_posted": s.chat.push({ sender: e.sender, text: e.text, room: e.room, to: e.to }); break;
    case "broadcast_sent": s.chat.push({ sender: e.sender, text: e.text, broadcast: true }); break;
    case "room_created": s.workshops[e.room] = { id: e.room, name: e.name, topic: "" }; break;
    case "room_renamed": Object.assign(s.workshops[e.room], { name: e.name, topic: e.topic }); break;
    case "room_deleted": delete s.workshops[e.room]; break;
    case "rooms_opened": s.phase = "open"; s.clock = { deadline: e.deadline, warned: false }; break;
    case "rooms_extended": s.phase = "open"; s.clock = { deadline: e.deadline, warned: false }; break;
    case "time_warning": s.clock.warned = true; break;
    case "rooms_closing": s.phase = "closing"; s.clock.grace_ends_at = e.grace_ends_at; break;
    case "rooms_closed": s.phase = "plenary"; s.clock = {}; break;
    case "mute_requested":
      if (e.participant === meeting.you) status("A moderator asks you to mute your microphone.");
      break;
  }
}

const nameOf = (id) => meeting.state.participants[id]?.name ?? "?";

function item(text, className) {
  const li = document.createElement("li");
  li.textContent = text;
  if (className) li.className = className;
  return li;
}

function render() {
  const s = meeting.state;
  const me = s.participants[meeting.you];
  $("title").textContent = s.title;
  $("me").textContent = me ? `You are ${me.name} (${me.role}).` : "";
  $("console").hidden = !me || me.role !== "moderator";
  const rooms = [{ id: "plenary", name: "Plenary" }, ...Object.values(s.workshops)];
  $("rooms").replaceChildren(...rooms.map((room) => {
    const box = document.createElement("div");
    const heading = document.createElement("h3");
    heading.textContent = room.name;
    const list = document.createElement("ul");
    list.append(...Object.values(s.participants).filter((p) => p.room === room.id).map((p) =>
      item(`${p.name}${p.district ? ` · ${p.district}` : ""}${p.role !== "participant" ? ` (${p.role})` : ""}${p.connected ? "" : " – offline"}`)));
    box.append(heading, list);
    return box;
  }));
  $("queue").replaceChildren(...s.hand_queue.map((id) => item(nameOf(id))));
  $("floor").textContent = s.floor ? `${nameOf(s.floor)} has the floor.` : "";
  $("hand").textContent = s.hand_queue.includes(meeting.you) ? "Lower hand" : "Raise hand";
  const myRoom = me?.room ?? "plenary";
  $("chat").replaceChildren(...s.chat
    .filter((c) => c.broadcast || c.to || c.room === myRoom)
    .map((c) => item(c.broadcast ? `📢 ${nameOf(c.sender)}: ${c.text}` : `${nameOf(c.sender)}: ${c.text}`,
      c.broadcast ? "broadcast" : "")));
  renderClock();
  media.relabel();
}

function renderClock() {
  const clock = meeting.state?.clock;
  let text = "";
  if (meeting.state?.phase === "open" && clock?.deadline) {
    const left = Math.max(0, Math.round(clock.deadline - Date.now() / 1000));
    text = `Workshops: ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left${clock.warned ? " – ending soon" : ""}`;
  } else if (meeting.state?.phase === "closing") {
    text = "Workshops are closing: back to the plenary in a moment.";
  }
  if ($("clock").textContent !== text) $("clock").textContent = text;
}
setInterval(renderClock, 1000);

$("join").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  pendingHello = { type: "hello", token, ...Object.fromEntries(form) };
  if (socket && socket.readyState === WebSocket.OPEN) send(pendingHello);
  else connect(() => pendingHello);
});
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  send({ type: "send_chat", text: e.target.text.value });
  e.target.reset();
});
$("hand").addEventListener("click", () =>
  send({ type: meeting.state.hand_queue.includes(meeting.you) ? "lower_hand" : "raise_hand" }));
$("split").addEventListener("submit", (e) => {
  e.preventDefault();
  const count = Number(e.target.count.value);
  const names = Array.from({ length: count }, (_, i) => `Room ${i + 1}`);
  if (Object.keys(meeting.state.workshops).length === 0) send({ type: "create_rooms", names });
  send({ type: e.target.how.value });
  send({ type: "open_rooms", duration_s: Number(e.target.minutes.value) * 60 });
});
$("broadcast").addEventListener("submit", (e) => {
  e.preventDefault();
  send({ type: "broadcast", text: e.target.text.value });
  e.target.reset();
});
$("recall").addEventListener("click", () => send({ type: "close_rooms" }));
$("media-start").addEventListener("click", (e) => {
  e.target.hidden = true;
  media.start(meeting.media.ice_servers);
});

if (token) {
  $("join").hidden = false;
  fetch("/api/invitation", { headers: { Authorization: `Bearer ${token}` } })
    .then((r) => r.json())
    .then((info) => { if (info.title) $("title").textContent = info.title; else status(info.message); });
} else {
  status("Open the link you were given to join a meeting.");
}
