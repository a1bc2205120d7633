// The meeting's WebSocket: msgpack frames, hello or resume, and an automatic resume (same room,
// same role, chat kept) whenever the network drops or the page is reloaded. docs/protocol.md is
// the contract.
import { encode, decode } from "./vendor/msgpack/index.mjs";
import * as standing from "./standing.js";
import { CLOSE, VERSION } from "./protocol.js";

// Close codes after which coming back cannot work: a bad token, a removal, an unknown or deleted
// meeting.
// 4012: a locked meeting lets nobody new in until a moderator unlocks it, which a retry cannot hurry.
const FINAL = new Set([
  CLOSE.BAD_TOKEN, CLOSE.REMOVED, CLOSE.NO_MEETING, CLOSE.MEETING_LOCKED, CLOSE.MEETING_DELETED,
]);
const RETRY_MS = [1000, 2000, 4000, 8000, 15000];
const UNREACHABLE_AFTER = 3; // failed attempts before saying the server cannot be reached
// The tab's own storage, or none where the browser refuses it (a reload then joins afresh).
const TAB = (() => {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
})();

export class Connection {
  // onMessage(message): every server message; onState(state, detail): "connecting", "open",
  // "reconnecting", "unreachable", "closed", "ended" once a moderator ended the meeting, or
  // "forgotten" when the token a reloaded page kept no longer works (detail: the close event).
  // link: the page's link token (its #fragment).
  constructor({ onMessage, onState, link }) {
    Object.assign(this, { onMessage, onState, link });
    this.keptAs = `plenum.resume.${link}`; // where this tab keeps its resume token
    this.socket = null;
    this.resumeToken = null;
    this.lastSeq = 0;
    this.nextRef = 1;
    this.failures = 0;
    this.timer = null;
    this.reloaded = false; // resuming from a kept token, not yet welcomed
  }

  // A reloaded page comes back as the same participant: the tab keeps the newest resume token
  // (sessionStorage lives as long as the tab, so another tab with the same link is someone new,
  // as in Jitsi or Zoom). True if there was one to resume with.
  resumeKept() {
    const kept = TAB?.getItem(this.keptAs);
    if (!kept) return false;
    this.resumeToken = kept;
    this.reloaded = true;
    // No last_seq: the page holds nothing of the meeting yet, so the welcome brings a snapshot.
    this.greeting = () => ({ type: "resume", resume: this.resumeToken, ref: this.nextRef++ });
    this.dial();
    return true;
  }

  get url() {
    return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  // The first greeting; a refused hello leaves the socket open for a corrected one.
  hello(greeting) {
    this.link = greeting.token;
    greeting = { ...greeting, ...standing.shown(greeting.token) };
    if (this.open) return this.send({ type: "hello", ...greeting });
    this.greeting = () => ({ type: "hello", ...greeting, ref: this.nextRef++ });
    this.dial();
    return true;
  }

  dial() {
    clearTimeout(this.timer);
    const socket = this.socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.onState(this.resumeToken ? "reconnecting" : "connecting");
    socket.onopen = () => socket.send(encode({ v: VERSION, ...this.greeting() }));
    socket.onmessage = (event) => this.receive(decode(new Uint8Array(event.data)));
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.closed(event);
    };
  }

  receive(message) {
    if (message.type === "welcome") {
      this.you = message.you;
      this.resumeToken = message.resume;
      this.reloaded = false;
      TAB?.setItem(this.keptAs, message.resume);
      this.lastSeq = message.seq;
      this.failures = 0;
      this.greeting = () => ({ type: "resume", resume: this.resumeToken, last_seq: this.lastSeq });
      this.onState("open");
    } else if (typeof message.seq === "number" && message.seq > this.lastSeq) {
      this.lastSeq = message.seq;
    }
    if (message.type === "role_changed" && message.participant === this.you) {
      standing.roleChanged(this.link, message.role, this.resumeToken);
    }
    this.onMessage(message);
  }

  closed(event) {
    if (event.code === CLOSE.MEETING_ENDED) {
      // Coming back cannot work, and need not: the page shows that the meeting has ended. The
      // tab keeps its resume token, which still opens the record for a moderator.
      this.reloaded = false;
      this.onState("ended", event);
      return;
    }
    if (event.code === CLOSE.REMOVED) standing.removed(this.link, this.resumeToken);
    if (FINAL.has(event.code)) TAB?.removeItem(this.keptAs);
    if (this.reloaded && FINAL.has(event.code)) {
      // The kept token was refused (the grace period ran out, a removal): join afresh.
      this.reloaded = false;
      this.resumeToken = null;
      this.onState("forgotten", event);
      return;
    }
    // Replaced by a newer socket of the same participant: another tab or window (a duplicated
    // tab holds the same resume token). Coming back on its own would take the meeting from that
    // tab, which would take it back: the two would swap every second. A reload here takes it over.
    if (this.stopped || FINAL.has(event.code) || event.code === CLOSE.REPLACED || !this.resumeToken) {
      this.onState("closed", event);
      return;
    }
    this.failures += 1;
    this.onState(this.failures > UNREACHABLE_AFTER ? "unreachable" : "reconnecting");
    const delay = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)];
    this.timer = setTimeout(() => this.dial(), delay * (0.8 + Math.random() * 0.4));
  }

  // Sends one message with a fresh ref, and returns the ref (a positive integer); false if the
  // socket is not open (the caller keeps it).
  send(message) {
    if (!this.open) return false;
    const ref = this.nextRef++;
    this.socket.send(encode({ v: VERSION, ref, ...message }));
    return ref;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
  }
}
