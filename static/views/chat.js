// The chat of the room you are in, and your private messages. Text is always text.
import { $, el, reconcile, setOptions, setPerson, setText, show } from "../dom.js";
import { t, timeOfDay } from "../i18n.js";
import { badge } from "./people.js";

// The room the chat was last shown for: a move into another room addresses the chat to that
// room, so that a private recipient chosen before never gets what is typed there.
let chatRoom = null;

export function setup(app) {
  $("chat-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("chat-text").value.trim();
    if (!text) return;
    const to = $("chat-to").value || null;
    if (app.connection.send({ type: "send_chat", text, ...(to ? { to } : {}) })) $("chat-text").value = "";
    else app.problem(t("connection.not_sent"));
  });
  $("chat-earlier").addEventListener("click", () => {
    const meeting = app.meeting;
    const before = meeting.oldestChatSeq;
    if (!app.connection.send({ type: "chat_history", ...(before === null ? {} : { before }) })) {
      app.problem(t("connection.not_sent"));
      return;
    }
    meeting.chatAsking = true;
    render(app);
  });
  // Enter sends, Shift+Enter makes a new line.
  $("chat-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("chat-form").requestSubmit();
    }
  });
}

export function render(app) {
  const meeting = app.meeting;
  const room = meeting.myRoom;
  setText($("chat-heading"), t("chat.heading_room", { room: app.roomName(room) }));
  const others = meeting.people().filter((p) => p.id !== meeting.you);
  setOptions($("chat-to"), [
    ["", t("chat.everyone", { room: app.roomName(room) })],
    ...others.map((p) => [p.id, t("chat.private_to", { name: p.name })]),
  ]);
  const earlier = $("chat-earlier");
  show(earlier, meeting.chatMore);
  earlier.disabled = meeting.chatAsking;
  if (room !== chatRoom) $("chat-to").value = "";
  chatRoom = room;
  const log = $("chat-log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const shown = meeting.state.chat.filter((c) => (c.to ? true : c.room === room));
  reconcile(log, shown, (c) => c.seq,
    () => el("li", {}, el("p", { class: "meta" }, el("span", { class: "sender" }), " ", el("time"), el("span", { class: "private" })),
      el("p", { class: "text", dir: "auto" })),
    (li, c) => {
      setPerson(li.querySelector(".sender"), app.nameOf(c.sender), badge(app, c.sender));
      const time = li.querySelector("time");
      time.setAttribute("datetime", new Date(c.at * 1000).toISOString());
      setText(time, timeOfDay(c.at));
      const privately = !c.to ? "" : c.sender === meeting.you
        ? t("chat.private_sent", { name: app.nameOf(c.to) }) : t("chat.private_received");
      setText(li.querySelector(".private"), privately ? ` · ${privately}` : "");
      li.classList.toggle("private", Boolean(c.to));
      setText(li.querySelector(".text"), c.text);
    });
  if (atBottom) log.scrollTop = log.scrollHeight;
}
