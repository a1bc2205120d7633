// What a screen reader hears of the meeting's events: chat, moves, the clock, broadcasts and
// requests addressed to you. Returns { text, urgent } or null; urgent ones interrupt.
import { t, countdown } from "./i18n.js";
import { PLENARY } from "./state.js";

import { announcement as pollAnnouncement } from "./views/polls.js";

export function announcement(app, e, before) {
  const { meeting } = app;
  const you = meeting.you;
  const name = (id) => app.nameOf(id);
  switch (e.type) {
    // Polls: one opening, and its result; never each tally.
    case "poll_opened":
    case "poll_result":
      return pollAnnouncement(app, e);

    case "chat_posted":
      if (e.sender === you) return null;
      if (e.to) return { text: t("announce.private_chat", { name: name(e.sender), text: e.text }) };
      if (e.room !== meeting.myRoom) return null;
      return { text: t("announce.chat", { name: name(e.sender), text: e.text }) };
    case "participant_moved":
      if (e.participant === you) {
        const key = e.room === PLENARY ? "announce.you_back" : "announce.you_moved";
        return { text: t(key, { room: app.roomName(e.room) }), urgent: true };
      }
      if (e.room === meeting.myRoom) return { text: t("announce.joined_room", { name: name(e.participant) }) };
      if (before.room === meeting.myRoom && e.room !== meeting.myRoom && meeting.myRoom !== PLENARY) {
        return { text: t("announce.left_room", { name: name(e.participant) }) };
      }
      return null;
    case "rooms_opened":
      return { text: t("announce.rooms_opened") };
    case "time_warning":
      return { text: t("announce.time_warning", { left: countdown(e.deadline - Date.now() / 1000) }), urgent: true };
    case "rooms_extended":
      return { text: t("announce.extended") };
    case "rooms_closing":
      return { text: t("announce.closing", { left: countdown(e.grace_ends_at - Date.now() / 1000) }), urgent: true };
    case "broadcast_sent":
      return { text: t("announce.broadcast", { name: name(e.sender), text: e.text }), urgent: true };
    case "floor_given":
      return e.participant === you ? { text: t("announce.your_floor"), urgent: true }
        : { text: t("announce.floor", { name: name(e.participant) }) };
    case "floor_taken":
      return e.participant === you ? { text: t("announce.floor_ended"), urgent: true } : null;
    case "mute_requested":
      return e.participant === you ? { text: t("announce.mute_requested"), urgent: true } : null;
    case "audio_blocked":
      return e.participant === you ? { text: t("announce.audio_blocked"), urgent: true } : null;
    case "audio_allowed":
      return e.participant === you ? { text: t("announce.audio_allowed") } : null;
    case "role_changed":
      return e.participant === you ? { text: t("announce.role", { role: t(`role.${e.role}`) }) } : null;
    case "hand_raised":
      return meeting.isModerator && e.participant !== you ? { text: t("announce.hand", { name: name(e.participant) }) } : null;
    case "help_requested":
      return meeting.isModerator ? { text: t("announce.help", { name: name(e.participant), room: app.roomName(e.room) }), urgent: true } : null;
    case "help_cleared":
      return e.participant === you ? { text: t("announce.help_cleared") } : null;
    case "participant_removed":
      return e.participant === you ? { text: t("announce.removed"), urgent: true } : null;
    default:
      return null;
  }
}
