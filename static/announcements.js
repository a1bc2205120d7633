// What a screen reader hears of the meeting's events: chat, moves, the clocks, broadcasts,
// requests addressed to you, and the programme (the agenda, the floor's countdown at its warning
// and its end, never each second). Returns { text, urgent } or null; urgent ones interrupt.
import { t, countdown, ordinal } from "./i18n.js";
import { PLENARY } from "./state.js";
import { announcement as pollAnnouncement } from "./views/polls.js";
import { announcement as reportAnnouncement, withReport } from "./views/report_back.js";

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
      if (meeting.presentingTurn?.participant === e.participant) return null; // presenter_called said it
      if (withReport(app, e)) return null; // Report-back: report_called said it
      return e.participant === you ? { text: t("announce.your_floor"), urgent: true }
        : { text: t("announce.floor", { name: name(e.participant) }) };
    case "floor_taken":
      return e.participant === you ? { text: t("announce.floor_ended"), urgent: true } : null;
    // The floor's countdown: the speaker hears it first; the moderators, who may add time, too.
    case "floor_warning": {
      const left = countdown(e.deadline - Date.now() / 1000);
      if (e.participant === you) return { text: t("announce.floor_warning_yours", { left }), urgent: true };
      return meeting.isModerator ? { text: t("announce.floor_warning", { name: name(e.participant), left }) } : null;
    }
    case "floor_extended":
      return e.participant === you
        ? { text: t("announce.floor_extended_yours", { left: countdown(e.deadline - Date.now() / 1000) }) } : null;
    case "floor_expired":
      return e.participant === you ? { text: t("announce.floor_expired_yours"), urgent: true }
        : { text: t("announce.floor_expired", { name: name(e.participant) }) };
    case "hand_moved":
      return e.participant === you ? { text: t("announce.hand_moved_yours", { nth: ordinal(e.place) }) } : null;
    // The showcase: who presents now, and to the presenter that it is their turn (the floor that
    // comes with it is not said again).
    case "presenter_called":
      return e.participant === you ? { text: t("announce.your_turn"), urgent: true }
        : { text: t("announce.presents", { name: name(e.participant) }) };
    // The doors: everyone hears that newcomers are kept out, or let in again.
    case "meeting_locked":
      return { text: t("announce.meeting_locked") };
    case "meeting_unlocked":
      return { text: t("announce.meeting_unlocked") };
    // The lobby: the moderators (the only ones told) hear who waits.
    case "knocked":
      return { text: t("announce.knocked", { name: e.waiting.name }) };
    case "mute_requested":
      return e.participant === you ? { text: t("announce.mute_requested"), urgent: true } : null;
    case "audio_blocked":
      return e.participant === you ? { text: t("announce.audio_blocked"), urgent: true } : null;
    case "audio_allowed":
      return e.participant === you ? { text: t("announce.audio_allowed") } : null;
    case "role_changed":
      return e.participant === you ? { text: t("announce.role", { role: t(`role.${e.role}`) }) } : null;
    case "hand_raised":
      if (e.participant === you) return { text: t("announce.your_hand") }; // the button's new state, said
      return meeting.isModerator ? { text: t("announce.hand", { name: name(e.participant) }) } : null;
    case "help_requested":
      return meeting.isModerator ? { text: t("announce.help", { name: name(e.participant), room: app.roomName(e.room) }), urgent: true } : null;
    case "help_cleared":
      return e.participant === you ? { text: t("announce.help_cleared") } : null;
    case "participant_removed":
      return e.participant === you ? { text: t("announce.removed"), urgent: true } : null;
    case "agenda_item_started":
      return { text: t("announce.agenda_started", { title: meeting.agendaItem(e.item)?.title ?? "" }) };
    case "agenda_item_ended":
      return { text: t("announce.agenda_ended", { title: meeting.agendaItem(e.item)?.title ?? "" }) };
    // Questions to the panel: the moderators hear each new one, everyone the one taken now, and
    // an author what became of theirs (a dismissal included: the only word they get of it).
    case "question_asked":
      return meeting.isModerator && e.author !== you ? { text: t("announce.question_asked", { text: e.text }) } : null;
    case "question_marked": {
      const q = meeting.question(e.question);
      if (!q) return null;
      if (e.status === "answering") return { text: t("announce.question_answering", { text: q.text }) };
      return q.author === you && e.by !== you ? { text: t(`announce.question_${e.status}_yours`, { text: q.text }) } : null;
    }
    // Workshop notes: the room hears who reports it back; the person appointed, that it is them.
    case "rapporteur_changed":
      if (e.rapporteur === you && e.by !== you) return { text: t("announce.rapporteur_you", { room: app.roomName(e.room) }) };
      if (e.room !== meeting.myRoom || e.by === you) return null;
      return e.rapporteur
        ? { text: t("announce.rapporteur", { name: name(e.rapporteur) }) }
        : { text: t("announce.rapporteur_none") };
    // Report-back: which room reports now (the rapporteur: that it is their turn), and the end.
    case "report_called":
    case "report_back_ended":
      return reportAnnouncement(app, e);
    default:
      return null;
  }
}
