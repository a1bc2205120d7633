// Audio and video through the server's forwarding unit: one RTCPeerConnection, signalled over the
// meeting's WebSocket with the media_* messages of docs/protocol.md, and the camera, microphone and
// screen it sends. No trickle ICE: every description is sent once gathering is complete. What is
// received is drawn by tiles.js.
import { t } from "./i18n.js";

const GATHERING_TIMEOUT_MS = 5000;
// A view is sent once it has held this long: a scroll or a resize passes many in between.
const VIEW_SETTLE_MS = 200;
const SOURCES = { audio: "microphone", video: "camera" };
const DEVICE_PROBLEMS = { NotAllowedError: "media.device_blocked", NotFoundError: "media.device_missing" };
export const CAMERA = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } };
// The camera's layers when the server takes simulcast (welcome.media.simulcast), the smallest
// first, as the server orders them: each subscriber is sent the one its tile and link call for.
// Two, because Chrome sends no more than two of a 640×480 camera (a third, smaller one would
// be dropped from the top); a gallery tile or a weak link gets the half-size one.
const CAMERA_LAYERS = [
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 300_000 },
  { rid: "f", maxBitrate: 1_200_000 },
];

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

// The camera and microphone the person chose; the microphone starts muted unless asked.
export async function capture({ camera = true, microphone = true, cameraId, microphoneId } = {}) {
  if (!camera && !microphone) return null;
  return navigator.mediaDevices.getUserMedia({
    audio: microphone ? (microphoneId ? { deviceId: { exact: microphoneId } } : true) : false,
    video: camera ? { ...CAMERA, ...(cameraId ? { deviceId: { exact: cameraId } } : {}) } : false,
  });
}

export class Peer {
  // send: puts a message on the meeting's socket; tiles: draws what is sent and received
  // (tiles.js); say: shows a problem to the person; onchange: called when our own tracks change.
  constructor({ send, tiles, say, onchange }) {
    Object.assign(this, { send, tiles, say, onchange });
    this.pc = null;
    this.stream = null;
    this.screen = null; // the screen we share, a video track
    this.sending = []; // { transceiver, source } for each track we send
    this.chain = Promise.resolve(); // one signalling step at a time, in arrival order
    this.asking = false; // the browser is being asked for a camera or microphone
    this.session = false; // the server has our offer for this peer connection
    this.viewWanted = null; // the latest view (tiles.js shown()) as JSON, to compare views by
    this.viewSent = null; // the one this session's server has
  }

  // Runs `step` after the ones before it; a failure is shown, and the next step still runs.
  // The browser's own words are for developers (the console), never for the page.
  enqueue(step) {
    this.chain = this.chain.then(step).catch((error) => {
      console.error("media:", error);
      this.say(t("media.failed"));
    });
    return this.chain;
  }

  // (Re)connects: after a resume the server has ended the old session, so a new one starts.
  start(iceServers, stream) {
    if (stream !== undefined) this.stream = stream;
    return this.enqueue(() => this.connect(iceServers));
  }

  async connect(iceServers) {
    this.stop();
    const pc = this.pc = new RTCPeerConnection({ iceServers });
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "connected") this.iceFailures = 0;
    });
    this.sending = [];
    // One m-line of each kind from the first offer, whatever the person has: the server numbers
    // its own m-lines as this offer numbers each kind, and a camera or microphone turned on
    // later takes its kind's m-line, which stays inactive until then.
    for (const kind of ["audio", "video"]) {
      const track = this.track(kind);
      // The layers are named when the m-line is made, even for a camera turned on later.
      const layers = kind === "video" && this.simulcast ? { sendEncodings: CAMERA_LAYERS.map((x) => ({ ...x })) } : {};
      const transceiver = track
        ? pc.addTransceiver(track, { direction: "sendonly", streams: [this.stream], ...layers })
        : pc.addTransceiver(kind, { direction: "inactive", ...layers });
      this.sending.push({ transceiver, source: SOURCES[kind] });
    }
    if (this.screen) this.addScreen(this.screen);
    this.showOwn();
    this.onchange(); // our own tracks are known now: the buttons for them, even when alone
    await this.offer();
    if (pc !== this.pc) return;
    // The view belongs to the server's media session: a new one starts with everything
    // forwarded until it hears ours again.
    this.session = true;
    this.sendView();
  }

  // What the person sees of the received videos (tiles.js shown(); null: nothing new to say):
  // sent as media_view once it settles, and only when it differs from what the server has.
  view(shown) {
    if (shown === null) return;
    const wanted = JSON.stringify(shown);
    if (wanted === this.viewWanted) return;
    this.viewWanted = wanted;
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(() => this.sendView(), VIEW_SETTLE_MS);
  }

  sendView() {
    if (!this.session || this.viewWanted === null || this.viewWanted === this.viewSent) return;
    this.viewSent = this.viewWanted;
    this.send({ type: "media_view", shown: JSON.parse(this.viewWanted) });
  }

  // Our offer: every mid we send and its source (docs/protocol.md, media values).
  async offer() {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (pc !== this.pc) return;
    const tracks = this.sending
      .filter(({ transceiver }) => transceiver.mid !== null && transceiver.direction === "sendonly")
      .map(({ transceiver, source }) => ({ mid: transceiver.mid, source }));
    this.send({ type: "media_offer", sdp: pc.localDescription.sdp, tracks });
  }

  // The server offered while our offer waited (media_glare): its offer was answered first, so
  // ours goes again.
  glare() {
    this.enqueue(async () => {
      if (this.pc && this.pc.signalingState === "stable") await this.offer();
    });
  }

  addScreen(track) {
    const sent = this.sending.find((x) => x.source === "screen");
    if (sent) {
      sent.transceiver.direction = "sendonly";
      return sent.transceiver.sender.replaceTrack(track);
    }
    this.sending.push({ source: "screen", transceiver: this.pc.addTransceiver(track, { direction: "sendonly" }) });
    return null;
  }

  // A screen (from getDisplayMedia) goes out as one more video track, labelled "screen".
  share(track) {
    this.screen = track;
    track.addEventListener("ended", () => this.unshare()); // stopped from the browser's own bar
    this.tiles.showScreen(track);
    return this.enqueue(async () => {
      if (!this.pc || this.screen !== track) return;
      await this.addScreen(track);
      await this.offer();
    });
  }

  unshare() {
    const track = this.screen;
    if (!track) return this.chain;
    this.screen = null;
    track.stop();
    this.tiles.hideScreen();
    this.onchange();
    return this.enqueue(async () => {
      const sent = this.sending.find((x) => x.source === "screen");
      if (!this.pc || !sent || this.screen) return;
      await sent.transceiver.sender.replaceTrack(null);
      sent.transceiver.direction = "inactive";
      await this.offer();
    });
  }

  get sharing() {
    return Boolean(this.screen);
  }

  stop() {
    this.pc?.close();
    this.pc = null;
    this.session = false;
    this.viewSent = null;
    this.sending = [];
    this.tiles.clear();
  }

  track(kind) {
    return this.stream?.getTracks().find((track) => track.kind === kind) ?? null;
  }

  // Muting keeps the track and sends silence (or black): unmuting needs no renegotiation.
  // A camera or microphone the person joined without is asked for when first turned on.
  async setEnabled(kind, enabled) {
    const track = this.track(kind);
    if (track) track.enabled = enabled;
    else if (enabled) await this.turnOn(kind);
  }

  async turnOn(kind) {
    if (this.asking) return; // a second click while the browser is still asked
    this.asking = true;
    let track;
    try {
      const stream = await capture({ camera: kind === "video", microphone: kind === "audio" });
      track = stream.getTracks()[0];
    } catch (error) {
      console.error("media:", error);
      this.say(t(DEVICE_PROBLEMS[error?.name] ?? "media.device_failed"));
      return;
    } finally {
      this.asking = false;
    }
    this.say("");
    this.stream ??= new MediaStream();
    this.stream.addTrack(track);
    if (kind === "video") this.showOwn();
    await this.enqueue(async () => {
      const sent = this.sending.find((x) => x.source === SOURCES[kind]);
      if (!this.pc || !sent) return; // the next connect() sends it
      await sent.transceiver.sender.replaceTrack(track);
      sent.transceiver.direction = "sendonly";
      await this.offer();
    });
  }

  enabled(kind) {
    return this.track(kind)?.enabled ?? false;
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
    } else if (m.type === "media_restart") {
      // Our media is served elsewhere now (our room is on another worker, or the worker went
      // away): a new peer connection, a fresh offer, on the same socket. One that could not
      // connect at all (UDP blocked, no TURN) tries again ever more slowly, and says so. The
      // server's session is gone already: no view goes to it meanwhile.
      this.session = false;
      const unconnected = m.reason === "media_ice_timeout" || m.reason === "media_ice_failed";
      this.iceFailures = unconnected ? (this.iceFailures ?? 0) + 1 : 0;
      if (this.iceFailures >= 2) this.say(t("media.unreachable"));
      if (unconnected) await new Promise((done) => setTimeout(done, Math.min(30, 2 ** this.iceFailures) * 1000));
      if (!this.pc) return;
      await this.connect(this.pc.getConfiguration().iceServers);
    } else if (m.type === "media_offer") {
      // Glare: the server wins; our offer is rolled back and sent again after (see glare()).
      if (this.pc.signalingState === "have-local-offer") await this.pc.setLocalDescription({ type: "rollback" });
      await this.pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await gathered(this.pc);
      this.send({ type: "media_answer", sdp: this.pc.localDescription.sdp });
      const receivers = new Map(this.pc.getTransceivers().map((x) => [x.mid, x.receiver.track]));
      this.tiles.show(m.tracks.map((offered) => ({ ...offered, track: receivers.get(offered.mid) ?? null })));
    } else if (m.type === "media_limits") {
      await this.limit(m.limits);
    }
    // Refusals (media_answer.refused, media_refused) are expected: a participant in the plenary
    // sends nothing until given the floor. The page shows who may speak; nothing to say here.
  }

  // The server asks us to send less of a source (a workshop's gallery: docs/protocol.md,
  // media_limits); a source it no longer lists is free again. No renegotiation: the encoder
  // follows the sender's parameters. A simulcast camera's largest layer takes the limit.
  async limit(limits) {
    for (const { transceiver, source } of this.sending) {
      const parameters = transceiver.sender.getParameters();
      const encoding = parameters.encodings?.at(-1);
      if (!encoding) continue; // nothing sent on it yet
      // A simulcast layer has a rate of its own, which it goes back to when the limit is lifted.
      const own = parameters.encodings.length > 1 ? CAMERA_LAYERS.at(-1).maxBitrate : undefined;
      const limit = limits.find((limit) => limit.source === source)?.max_bitrate;
      const wanted = limit === undefined ? own : Math.min(limit, own ?? limit);
      if (encoding.maxBitrate === wanted) continue;
      if (wanted === undefined) delete encoding.maxBitrate;
      else encoding.maxBitrate = wanted;
      await transceiver.sender.setParameters(parameters);
    }
  }

  showOwn() {
    this.tiles.showOwn(this.stream?.getVideoTracks()[0]);
  }
}
