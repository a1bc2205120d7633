// Audio and video through the server's forwarding unit: one RTCPeerConnection, signalled over the
// meeting's WebSocket with the media_* messages of docs/protocol.md. No trickle ICE: every
// description is sent once gathering is complete. Names of others only ever go into textContent.

const GATHERING_TIMEOUT_MS = 5000;

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, GATHERING_TIMEOUT_MS); // send what was gathered rather than nothing
  });
}

export class Media {
  // send: puts a message on the meeting's socket; nameOf: a participant id to a display name;
  // videos: the element that holds one figure per received video; say: shows a status line.
  constructor({ send, nameOf, videos, say }) {
    Object.assign(this, { send, nameOf, videos, say });
    this.pc = null;
    this.stream = null;
    this.received = new Map(); // mid -> { source, publisher, element }
    this.own = []; // our transceivers, one per camera or microphone track
    this.chain = Promise.resolve(); // one signalling step at a time, in arrival order
  }

  // Runs `step` after the ones before it; a failure is shown, and the next step still runs.
  enqueue(step) {
    this.chain = this.chain.then(step).catch((error) => this.say(`Media: ${error.message ?? error}`));
    return this.chain;
  }

  // (Re)connects: after a resume the server has ended the old session, so a new one starts.
  start(iceServers) {
    return this.enqueue(() => this.connect(iceServers));
  }

  async connect(iceServers) {
    this.stop();
    this.stream ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const pc = this.pc = new RTCPeerConnection({ iceServers });
    const sources = new Map();
    for (const track of this.stream.getTracks()) {
      const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [this.stream] });
      sources.set(transceiver, track.kind === "audio" ? "microphone" : "camera");
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    this.own = [...sources.keys()];
    const tracks = [...sources].map(([t, source]) => ({ mid: t.mid, source }));
    this.send({ type: "media_offer", sdp: pc.localDescription.sdp, tracks });
  }

  stop() {
    this.pc?.close();
    this.pc = null;
    this.received.clear();
    this.videos.replaceChildren();
  }

  // Takes a server message of type media_*; returns false for any other message.
  receive(m) {
    if (!m.type.startsWith("media_")) return false;
    this.enqueue(() => this.handle(m));
    return true;
  }

  async handle(m) {
    if (!this.pc) return;
    if (m.type === "media_answer") {
      await this.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
      this.refused(m.refused);
    } else if (m.type === "media_offer") {
      await this.pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await gathered(this.pc);
      this.send({ type: "media_answer", sdp: this.pc.localDescription.sdp });
      this.show(m.tracks);
      // A right given (a workshop, the floor): what was refused is sent now.
      if (this.own.every((t) => t.currentDirection === "sendonly")) this.say("");
    } else if (m.type === "media_refused") {
      this.refused(m.refused);
    }
  }

  refused(refusals) {
    if (refusals.length) this.say(`Not sent: ${refusals.map((r) => r.source).join(", ")} (${refusals[0].code}).`);
  }

  // What the server's offer says we receive, mid by mid; a mid may carry someone else later.
  show(tracks) {
    const listed = new Map(tracks.map((t) => [t.mid, t]));
    for (const [mid, shown] of this.received) {
      if (!listed.has(mid)) { shown.element.remove(); this.received.delete(mid); }
    }
    for (const { mid, source, publisher } of tracks) {
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
      if (!transceiver) continue;
      let shown = this.received.get(mid);
      if (!shown) {
        shown = { element: this.element(transceiver.receiver.track) };
        this.received.set(mid, shown);
        this.videos.append(shown.element);
      }
      Object.assign(shown, { source, publisher });
      this.label(shown);
    }
  }

  element(track) {
    if (track.kind === "audio") {
      const audio = document.createElement("audio");
      audio.autoplay = true;
      audio.srcObject = new MediaStream([track]);
      return audio;
    }
    const figure = document.createElement("figure");
    const video = document.createElement("video");
    video.autoplay = true;
    video.muted = true; // its sound comes on the audio track
    video.playsInline = true;
    video.srcObject = new MediaStream([track]);
    figure.append(video, document.createElement("figcaption"));
    return figure;
  }

  label(shown) {
    const text = `${this.nameOf(shown.publisher)}${shown.source === "screen" ? " (screen)" : ""}`;
    const video = shown.element.querySelector?.("video");
    if (video) {
      video.setAttribute("aria-label", text);
      shown.element.querySelector("figcaption").textContent = text;
    } else {
      shown.element.setAttribute("aria-label", text);
    }
  }

  // Names may change as the meeting's state arrives: label again.
  relabel() {
    for (const shown of this.received.values()) this.label(shown);
  }
}
