// The page's copy of the meeting: a snapshot (welcome) and then every event, applied here and
// only here, the way rooms/evolve.py applies them on the server.

export const PLENARY = "plenary";

export class Meeting {
  constructor() {
    this.you = null;
    this.state = null;
    this.limits = {}; // the welcome's: every limit the meeting runs with (rooms/config.py)
    // Whether older chat may be asked for (`chat_history`), and whether it is being asked for.
    this.chatMore = false;
    this.chatAsking = false;
  }

  load(snapshot) {
    this.state = structuredClone(snapshot);
    // A welcome carries the latest `chat_page` messages: a full one may have older ones behind it.
    this.chatMore = snapshot.chat.length >= this.limits.chat_page;
    this.chatAsking = false;
  }

  // A `chat_page`: older messages go before the ones we have, each once.
  addOlderChat(page) {
    const s = this.state;
    this.chatAsking = false;
    this.chatMore = page.more;
    if (!s) return;
    const have = new Set(s.chat.map((c) => c.seq));
    const older = page.messages.filter((c) => !have.has(c.seq));
    s.chat = [...older, ...s.chat].sort((a, b) => a.seq - b.seq);
  }

  // The `seq` to page back from: our oldest message (none: the latest of all).
  get oldestChatSeq() {
    return this.state?.chat[0]?.seq ?? null;
  }

  // Applies one event; false for one already applied (a replay after resume) or unknown.
  apply(e) {
    const s = this.state;
    if (!s || e.seq <= s.seq) return false;
    s.seq = e.seq;
    const p = s.participants[e.participant];
    switch (e.type) {
      case "participant_joined":
        s.participants[e.participant] = {
          id: e.participant, name: e.name, role: e.role, room: e.room, organisation: e.organisation,
          district: e.district, group: e.group, connected: true, disconnected_at: null,
        };
        break;
      case "participant_reconnected": Object.assign(p, { connected: true, disconnected_at: null }); break;
      case "participant_disconnected": Object.assign(p, { connected: false, disconnected_at: e.at }); break;
      case "participant_left": this.forget(e.participant); break;
      case "participant_removed": this.forget(e.participant); s.removed.push(e.participant); break;
      case "role_changed": p.role = e.role; break;
      case "audio_blocked": s.audio_blocked.push(e.participant); break;
      case "audio_allowed": s.audio_blocked = s.audio_blocked.filter((id) => id !== e.participant); break;
      case "chat_posted":
        s.chat.push({ seq: e.seq, at: e.at, sender: e.sender, text: e.text, room: e.room, to: e.to });
        s.chat.splice(0, Math.max(0, s.chat.length - this.limits.chat_history));
        break;
      case "hand_raised": s.hand_queue.push(e.participant); break;
      case "hand_lowered": s.hand_queue = s.hand_queue.filter((id) => id !== e.participant); break;
      case "floor_given":
        s.hand_queue = s.hand_queue.filter((id) => id !== e.participant);
        s.floor = e.participant;
        s.floor_clock = { deadline: e.deadline ?? null, warning_at: e.warning_at ?? null, warned: false };
        break;
      case "floor_taken": this.endFloor(); break;
      case "room_created":
        s.workshops[e.room] = { id: e.room, name: e.name, topic: "" };
        s.rooms_created += 1;
        s.notes[e.room] = blankNotes(e.room, e.name); // Workshop notes
        break;
      case "room_renamed":
        Object.assign(s.workshops[e.room], { name: e.name, topic: e.topic });
        this.notesOf(e.room).room_name = e.name; // Workshop notes
        break;
      case "room_deleted":
        delete s.workshops[e.room];
        s.plan = Object.fromEntries(Object.entries(s.plan).filter(([, room]) => room !== e.room));
        s.help_queue = s.help_queue.filter((call) => call.room !== e.room);
        break;
      case "plan_set": s.plan = { ...e.plan }; break;
      case "assigned":
        if (e.room === PLENARY) delete s.plan[e.participant];
        else s.plan[e.participant] = e.room;
        break;
      case "self_select_changed": s.self_select = e.allowed; break;
      case "rooms_opened":
        s.phase = "open";
        s.clock = { deadline: e.deadline, warning_at: e.warning_at ?? null, warned: false, grace_ends_at: null };
        break;
      case "participant_moved":
        p.room = e.room;
        s.help_queue = s.help_queue.filter((call) => call.participant !== e.participant);
        break;
      case "time_warning": s.clock.warned = true; break;
      case "rooms_extended":
        s.phase = "open";
        s.clock = { deadline: e.deadline, warning_at: e.warning_at ?? null, warned: false, grace_ends_at: null };
        break;
      case "rooms_closing": s.phase = "closing"; s.clock.grace_ends_at = e.grace_ends_at; break;
      case "rooms_closed":
        s.phase = "plenary";
        s.clock = { deadline: null, warning_at: null, warned: false, grace_ends_at: null };
        s.help_queue = [];
        break;
      case "help_requested": s.help_queue.push({ participant: e.participant, room: e.room, at: e.at }); break;
      case "help_cleared": s.help_queue = s.help_queue.filter((call) => call.participant !== e.participant); break;
      // The agenda (rooms/agenda.py)
      case "agenda_set": this.setAgenda(e); break;
      case "agenda_item_started":
        this.endCurrentItem(e.at, "done");
        this.agendaItem(e.item).status = "current";
        Object.assign(s.agenda, { current: e.item, current_since: e.at });
        break;
      case "agenda_item_ended": this.endCurrentItem(e.at, "done"); break;
      case "agenda_item_skipped":
        if (e.item === s.agenda.current) this.endCurrentItem(e.at, "skipped");
        else this.agendaItem(e.item).status = "skipped";
        break;
      case "agenda_item_reopened": this.agendaItem(e.item).status = "pending"; break;
      // The speakers' list
      case "hand_moved":
        s.hand_queue = s.hand_queue.filter((id) => id !== e.participant);
        s.hand_queue.splice(e.place - 1, 0, e.participant);
        break;
      case "floor_warning": s.floor_clock.warned = true; break;
      case "floor_extended":
        s.floor_clock = { deadline: e.deadline, warning_at: e.warning_at ?? null, warned: false };
        break;
      case "floor_expired": this.endFloor(); break;
      // Questions to the panel (rooms/questions.py)
      case "question_asked":
        s.questions.created += 1;
        s.questions.asked.push({
          id: e.question, text: e.text, room: e.room, at: e.at, anonymous: e.anonymous,
          author: e.author, status: "open", voters: [],
        });
        break;
      // Only the author and the moderators get it: the others keep the author null.
      case "question_author": this.question(e.question).author = e.author; break;
      case "question_upvoted": this.question(e.question).voters.push(e.voter); break;
      case "question_upvote_retracted": {
        const q = this.question(e.question);
        q.voters = q.voters.filter((id) => id !== e.voter);
        break;
      }
      case "question_marked": this.question(e.question).status = e.status; break;
      case "question_withdrawn":
        s.questions.asked = s.questions.asked.filter((q) => q.id !== e.question);
        break;
      // Showcase: the current item's presenters in turn (rooms/showcase.py)
      case "showcase_started":
        s.showcase = {
          item: e.item, slot_s: e.slot_s,
          turns: e.presenters.map((p) => ({ name: p.name, participant: p.participant, status: "waiting" })),
        };
        break;
      case "presenter_matched": s.showcase.turns[e.turn].participant = e.participant; break;
      case "presenter_called":
        this.endTurn(); // the same presenter may hold the floor from a turn before
        Object.assign(s.showcase.turns[e.turn], { participant: e.participant, status: "presenting" });
        break;
      case "presenter_absent": s.showcase.turns[e.turn].status = "absent"; break;
      case "showcase_ended": s.showcase = { item: null, slot_s: 0, turns: [] }; break;
      // Polls (rooms/polls.py). A ballot reaches only its voter and the moderators.
      case "poll_created":
        s.polls.created += 1;
        s.polls.polls.push({
          id: e.poll, question: e.question, kind: e.kind, options: [...e.options],
          max_choices: e.max_choices, secret: e.secret, results: e.results, voters: { ...e.voters },
          quorum: e.quorum && { ...e.quorum }, room: e.room, by: e.by, status: "draft",
          eligible: [], voted: [], ballots: {}, tally: { voted: 0, counts: null }, tally_at: null,
          result: null,
        });
        break;
      case "poll_opened": {
        const poll = this.poll(e.poll);
        const live = !poll.secret && poll.results === "live";
        Object.assign(poll, {
          status: "open", eligible: [...e.eligible], tally_at: e.at,
          tally: { voted: 0, counts: live ? poll.options.map(() => 0) : null },
        });
        break;
      }
      case "ballot_cast": {
        const poll = this.poll(e.poll);
        poll.ballots[e.by] = [...e.choices];
        if (!poll.voted.includes(e.by)) poll.voted.push(e.by);
        break;
      }
      case "poll_voted": this.poll(e.poll).voted.push(e.by); break;
      case "poll_tally":
        Object.assign(this.poll(e.poll), {
          tally: { voted: e.voted, counts: e.counts && [...e.counts] }, tally_at: e.at,
        });
        break;
      case "poll_closed": this.poll(e.poll).status = "closed"; break;
      case "poll_result":
        this.poll(e.poll).result = {
          eligible: e.eligible, voted: e.voted, quorum_met: e.quorum_met, counts: [...e.counts],
        };
        break;
      case "poll_removed": s.polls.polls = s.polls.polls.filter((poll) => poll.id !== e.poll); break;
      // Ending the meeting (rooms/ending.py)
      case "meeting_ended": s.ended_at = e.at; break;
      case "meeting_locked": s.locked = true; break;
      case "meeting_unlocked": s.locked = false; break;
      // The lobby: who waits is the moderators' (the others get none of these but lobby_set)
      case "lobby_set": s.lobby_mode = e.mode; break;
      case "knocked": s.lobby[e.waiting.id] = { ...e.waiting }; break;
      case "let_in": case "turned_away": case "left_lobby": delete s.lobby[e.participant]; break;
      // The organiser's (rooms/organiser.py); link_reissued goes to nobody
      case "meeting_scheduled":
        Object.assign(s, {
          title: e.title, starts_at: e.starts_at, ends_at: e.ends_at,
          description: e.description, language: e.language,
        });
        break;
      // Workshop notes (rooms/notes.py)
      case "rapporteur_changed": this.notesOf(e.room).rapporteur = e.rapporteur; break;
      case "notes_editing_changed": this.notesOf(e.room).editing = e.editing; break;
      case "notes_edited":
        Object.assign(this.notesOf(e.room), { text: e.text, version: e.version, updated_at: e.at, updated_by: e.by });
        break;
      // Report-back: the rooms' rapporteurs in turn (rooms/report_back.py)
      case "report_back_started":
        s.report_back = { running: true, waiting: [...e.rooms], current: null, done: [] };
        break;
      case "report_called": {
        const reports = s.report_back;
        reports.waiting = reports.waiting.filter((room) => room !== e.room);
        reports.done = reports.done.filter((room) => room !== e.room);
        reports.current = e.room;
        // The notes as reported: newer than ours if we were not in the room.
        const notes = s.notes[e.room];
        if (notes && e.version >= notes.version) Object.assign(notes, { text: e.text, version: e.version });
        break;
      }
      case "report_ended":
        s.report_back.done.push(e.room);
        s.report_back.current = null;
        break;
      case "report_moved":
        s.report_back.waiting = s.report_back.waiting.filter((room) => room !== e.room);
        s.report_back.waiting.splice(e.place - 1, 0, e.room);
        break;
      case "report_back_ended": s.report_back = { running: false, waiting: [], current: null, done: [] }; break;
      // Contacts between leaders (rooms/contacts.py): only those who opted in get these; the
      // directory is the others' cards, to a newcomer. Withdrawing, one sees none any more.
      case "contact_shared": s.contacts[e.card.participant] = { ...e.card }; break;
      case "contact_directory": for (const card of e.cards) s.contacts[card.participant] = { ...card }; break;
      case "contact_withdrawn":
        if (e.participant === this.you) s.contacts = {};
        else delete s.contacts[e.participant];
        break;
      default: break; // mute_requested, reacted, broadcast_sent: nothing is kept
    }
    return true;
  }

  // The agenda replaced: items that stay keep their status and time used, as rooms/evolve.py.
  setAgenda(e) {
    const agenda = this.state.agenda;
    const before = new Map(agenda.items.map((item) => [item.id, item]));
    if (agenda.current !== null && !e.items.some((item) => item.id === agenda.current)) {
      this.endCurrentItem(e.at, "done");
    }
    agenda.items = e.items.map((plan) => {
      const old = before.get(plan.id);
      if (!old) agenda.items_created += 1;
      return {
        id: plan.id, title: plan.title, minutes: plan.minutes,
        presenters: plan.presenters.map((p) => ({ ...p })),
        status: old ? old.status : "pending", used_s: old ? old.used_s : 0.0,
      };
    });
  }

  endCurrentItem(at, status) {
    const agenda = this.state.agenda;
    if (agenda.current === null) return;
    const item = this.agendaItem(agenda.current);
    if (agenda.current_since !== null) item.used_s += at - agenda.current_since;
    item.status = status;
    Object.assign(agenda, { current: null, current_since: null });
  }

  agendaItem(id) {
    return this.state.agenda.items.find((item) => item.id === id);
  }

  // The seconds an agenda item has used by `now` (the server's clock, seconds): its ended runs,
  // and the current run so far (rooms.agenda.used_s).
  itemUsedS(item, now) {
    const agenda = this.state?.agenda;
    if (agenda && item.id === agenda.current && agenda.current_since !== null) {
      return item.used_s + Math.max(0, now - agenda.current_since);
    }
    return item.used_s;
  }

  question(id) {
    return this.state.questions.asked.find((q) => q.id === id);
  }

  // Polls
  poll(id) {
    return this.state.polls.polls.find((poll) => poll.id === id);
  }

  // Most votes first, on a tie the one asked first (rooms.questions.ranked): the state keeps
  // them in the order asked.
  get rankedQuestions() {
    const asked = this.state?.questions.asked ?? [];
    return asked
      .map((q, i) => [q, i])
      .sort(([a, i], [b, j]) => b.voters.length - a.voters.length || i - j)
      .map(([q]) => q);
  }

  // Workshop notes: a room's entry, made for a room from before notes existed (rooms/evolve.py).
  notesOf(room) {
    const s = this.state;
    s.notes ??= {};
    s.notes[room] ??= blankNotes(room, s.workshops[room]?.name ?? room);
    return s.notes[room];
  }

  // A `workshop_notes` answer: each room's entry, unless we already hold a later version.
  addNotes(answer) {
    if (!this.state) return;
    const notes = (this.state.notes ??= {});
    for (const entry of answer.notes) {
      const held = notes[entry.room];
      // The same version blank: ours was blanked, as we could not read it then.
      if (!held || entry.version > held.version || (entry.version === held.version && !held.text)) {
        notes[entry.room] = { ...entry };
      }
    }
  }

  // Whether we may edit a room's notes (rooms.notes.may_edit).
  mayEditNotes(notes) {
    if (this.isModerator || notes.rapporteur === this.you) return true;
    return notes.editing === "members" && this.myRoom === notes.room;
  }

  forget(id) {
    const s = this.state;
    delete s.participants[id];
    delete s.plan[id];
    s.hand_queue = s.hand_queue.filter((x) => x !== id);
    s.audio_blocked = s.audio_blocked.filter((x) => x !== id);
    s.help_queue = s.help_queue.filter((call) => call.participant !== id);
    if (s.floor === id) this.endFloor();
  }

  // Nobody has the floor, and no countdown runs.
  endFloor() {
    this.state.floor = null;
    this.state.floor_clock = { deadline: null, warning_at: null, warned: false };
    this.endTurn(); // Showcase: a presenter's turn ends with their floor
  }

  // Showcase: the presenter's turn is done (rooms/evolve.py's _end_turn).
  endTurn() {
    for (const turn of this.state.showcase.turns) {
      if (turn.status === "presenting") turn.status = "done";
    }
  }

  // Showcase: the turn on now (its presenter has the floor), and the one called next unless its
  // presenter is not here then (rooms.showcase.presenting, up_next); null for none.
  get presentingTurn() {
    return this.state?.showcase.turns.find((t) => t.status === "presenting") ?? null;
  }

  get nextTurn() {
    return this.state?.showcase.turns.find((t) => t.status === "waiting") ?? null;
  }

  // Contacts between leaders: whether we share ours, and the others' cards by name.
  get optedIn() {
    return Boolean(this.state?.contacts?.[this.you]);
  }

  get contactCards() {
    return Object.values(this.state?.contacts ?? {})
      .filter((card) => card.participant !== this.you)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get me() {
    return this.state?.participants[this.you] ?? null;
  }

  get myRoom() {
    return this.me?.room ?? PLENARY;
  }

  get isModerator() {
    return this.me?.role === "moderator";
  }

  person(id) {
    return this.state?.participants[id] ?? null;
  }

  people() {
    return Object.values(this.state?.participants ?? {}).sort((a, b) => a.name.localeCompare(b.name));
  }

  rooms() {
    return Object.values(this.state?.workshops ?? {})
      .sort((a, b) => Number(a.id.split("-")[1]) - Number(b.id.split("-")[1]));
  }

  // A room's name, also once it is deleted (its notes keep it); null for one long forgotten.
  reportRoomName(id) {
    return this.state?.notes[id]?.room_name ?? this.state?.workshops[id]?.name ?? null;
  }
}

// Workshop notes: a room's entry when it is created (rooms.model.RoomNotes).
function blankNotes(room, name) {
  return {
    room, room_name: name, text: "", version: 0, editing: "rapporteur", rapporteur: null,
    updated_at: null, updated_by: null,
  };
}
