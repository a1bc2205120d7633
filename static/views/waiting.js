// The opening: a participant's link opened before the meeting opens (its start less the
// server's `open_before_s`, docs/protocol.md "The opening") shows this waiting page instead of
// the join form: the start, a countdown to the opening, and a test of the camera and microphone.
// When the meeting opens the page moves on to the join form by itself. Moderators and presenters
// never wait: their links join at any time.
import { $, setText, show } from "../dom.js";
import { t, has, plural, dateTime, timeOfDay } from "../i18n.js";

const TICK_MS = 250; // the countdown is redrawn this often, so it never lags a second behind
const LEVEL_MS = 100; // the microphone's level is read this often
// The invitation is read again this often: the organiser may move the start while people wait.
const REREAD_MS = 20_000;

let skew = null; // the server's clock less this device's (ms), from the invitation's `now`
let waiting = null; // { app, invitation, opensAt (ms, server's clock), then, timer, rereading, minutes }
let test = null; // { stream, audio, timer } while the camera and microphone test runs
let problem = null; // the catalogue key of what the test ran into, shown until the next start

const serverNow = () => Date.now() + (skew ?? 0);

// Whether a link joining as `role` must wait: a participant's, before the opening. Called when
// the invitation arrives, which sets the clock the countdown keeps.
export function due(invitation, role) {
  if (skew === null && typeof invitation.now === "number") skew = invitation.now * 1000 - Date.now();
  return role === "participant" && invitation.opens_at != null && serverNow() < invitation.opens_at * 1000;
}

export const active = () => waiting !== null;

// Shows the waiting page until the invitation's `opens_at` (the server's clock); then calls `then`.
// `reread` reads the invitation again (null if it could not): a start moved, earlier or later,
// moves the opening the page waits for.
export function wait(app, invitation, then, reread) {
  if (waiting) stopWaiting();
  waiting = { app, invitation, opensAt: invitation.opens_at * 1000, then, minutes: null };
  show($("join-view"), false);
  show($("waiting-view"), true);
  render();
  waiting.timer = setInterval(tick, TICK_MS);
  waiting.rereading = setInterval(async () => {
    const fresh = await reread();
    if (!waiting || !fresh) return;
    waiting.invitation = fresh;
    // No start any more: open now.
    waiting.opensAt = (fresh.opens_at ?? 0) * 1000;
    render();
  }, REREAD_MS);
  tick();
}

function stopWaiting() {
  clearInterval(waiting.timer);
  clearInterval(waiting.rereading);
}

// The texts in the person's language (also after they change it).
export function render() {
  if (!waiting) return;
  const { invitation, opensAt } = waiting;
  show($("waiting-starts"), invitation.starts_at != null);
  if (invitation.starts_at != null) setText($("waiting-starts"), t("waiting.starts", { when: dateTime(invitation.starts_at, "full") }));
  setText($("waiting-opens"), t("waiting.opens", { when: timeOfDay(opensAt / 1000) }));
  // A server that carries no audio or video: nothing to test, and the browser is never asked.
  show($("waiting-test"), invitation.media !== false);
  showProblem();
}

function tick() {
  const { app, opensAt } = waiting;
  const left = Math.max(0, Math.ceil((opensAt - serverNow()) / 1000));
  setText($("waiting-left"), clock(left));
  $("waiting-left").dateTime = `PT${left}S`;
  if (left === 0) {
    open();
    return;
  }
  // Screen readers hear the time left when the page opens, then once a minute in the last
  // quarter of an hour (every quarter of an hour before): never every second.
  const minutes = Math.ceil(left / 60);
  if (minutes !== waiting.minutes) {
    const first = waiting.minutes === null;
    waiting.minutes = minutes;
    if (first || minutes <= 15 || minutes % 15 === 0) {
      app.announce(left < 60 ? t("waiting.under_a_minute") : plural("waiting.opens_in_minutes", minutes));
    }
  }
}

function open() {
  const { app, then } = waiting;
  stopWaiting();
  waiting = null;
  stop();
  show($("waiting-view"), false);
  app.announce(t("waiting.opened"));
  then();
}

// h:mm:ss, or m:ss under an hour.
function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// The camera and microphone test ------------------------------------------------------------

export function setup() {
  $("waiting-test-start").addEventListener("click", start);
  $("waiting-test-stop").addEventListener("click", () => {
    stop();
    $("waiting-test-start").focus();
  });
}

async function start() {
  stop();
  problem = null;
  showProblem();
  if (!navigator.mediaDevices) {
    problem = "join.insecure"; // no camera or microphone on a page without a secure context
    showProblem();
    return;
  }
  const stream = await devices();
  if (!stream) return;
  test = { stream, audio: null, timer: null };
  show($("waiting-test-box"), true);
  show($("waiting-test-start"), false);
  show($("waiting-test-stop"), true);
  $("waiting-test-stop").focus();
  const video = stream.getVideoTracks().length > 0;
  show($("waiting-video-box"), video);
  $("waiting-video").srcObject = video ? stream : null;
  if (stream.getAudioTracks().length) listen(stream);
}

// The camera and the microphone, or what of them there is: a missing camera still lets the
// microphone be tried, and the other way round. Null, with the problem shown, when neither.
async function devices() {
  try {
    return await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  } catch (error) {
    if (error?.name !== "NotFoundError") {
      problem = error?.name === "NotAllowedError" ? "waiting.blocked" : "waiting.failed";
      showProblem();
      return null;
    }
  }
  for (const [only, missing] of [[{ audio: true }, "waiting.no_camera"], [{ video: true }, "waiting.no_microphone"]]) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(only);
      problem = missing;
      showProblem();
      return stream;
    } catch {
      // not this one either
    }
  }
  problem = "waiting.no_devices";
  showProblem();
  return null;
}

// The microphone's level, from its loudness (root mean square of the samples), on a meter.
function listen(stream) {
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  audio.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  test.audio = audio;
  test.timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
    // Speech peaks near 0.3; scaled so that a voice fills most of the meter.
    $("waiting-level").value = Math.min(1, rms * 3);
  }, LEVEL_MS);
  show($("waiting-level-box"), true);
}

function stop() {
  if (test) {
    clearInterval(test.timer);
    test.audio?.close();
    test.stream.getTracks().forEach((track) => track.stop());
    test = null;
  }
  $("waiting-video").srcObject = null;
  $("waiting-level").value = 0;
  show($("waiting-test-box"), false);
  show($("waiting-level-box"), false);
  show($("waiting-test-start"), true);
  show($("waiting-test-stop"), false);
}

function showProblem() {
  show($("waiting-device-error"), problem !== null);
  setText($("waiting-device-error"), problem && has(problem) ? t(problem) : "");
}
