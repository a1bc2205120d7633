// The plenary: the presenter's video large with the others in a strip, the active speaker
// highlighted, the floor said in words, reactions, and your camera and microphone. The speakers'
// list (the hand queue) and the floor's countdown are views/speakers.js.
import { $, el, setText, show } from "../dom.js";
import { t } from "../i18n.js";
import { PLENARY } from "../state.js";
import { REACTIONS } from "../protocol.js";

const REACTION_SHOWN_MS = 6000;

export function setup(app) {
  const { peer } = app;
  $("microphone").addEventListener("click", async () => {
    await peer.setEnabled("audio", !peer.enabled("audio"));
    if (!peer.enabled("audio")) app.muteAsked = false; // done as asked
    render(app);
    app.announce(t(peer.enabled("audio") ? "controls.now_unmuted" : "controls.now_muted"));
  });
  $("camera").addEventListener("click", async () => {
    await peer.setEnabled("video", !peer.enabled("video"));
    render(app);
    app.announce(t(peer.enabled("video") ? "controls.now_camera_on" : "controls.now_camera_off"));
  });
  $("screen").addEventListener("click", () => share(app));
  $("hand").addEventListener("click", () => {
    const raised = app.meeting.state.hand_queue.includes(app.meeting.you);
    app.command({ type: raised ? "lower_hand" : "raise_hand" });
  });
  // The stage's size changes with the window and the panel: the gallery fits it again.
  new ResizeObserver(() => layout(app)).observe($("videos"));
  // A hidden tab shows no video: the server need send none (Tiles.shown).
  document.addEventListener("visibilitychange", () => layout(app));
  $("reactions").replaceChildren(...REACTIONS.map((emoji) =>
    el("button", { type: "button", class: "reaction", "data-emoji": emoji, onclick: () => app.command({ type: "react", emoji }) }, emoji)));
}

export function render(app) {
  const meeting = app.meeting;
  const s = meeting.state;
  const you = meeting.you;
  const { peer } = app;
  const hasMicrophone = Boolean(peer.track("audio"));
  const hasCamera = Boolean(peer.track("video"));
  // One joined without may still turn either on (peer.turnOn) where the server carries media
  // and the page may ask for devices (not without a secure context).
  const mayTurnOn = Boolean(app.mediaSettings && navigator.mediaDevices?.getUserMedia);
  show($("microphone"), hasMicrophone || mayTurnOn);
  show($("camera"), hasCamera || mayTurnOn);
  setText($("microphone"), t(peer.enabled("audio") ? "controls.mute" : "controls.unmute"));
  setText($("camera"), t(peer.enabled("video") ? "controls.camera_off" : "controls.camera_on"));
  $("microphone").classList.toggle("off", !peer.enabled("audio"));
  $("camera").classList.toggle("off", !peer.enabled("video"));
  // A screen is shared where the meeting lets you (rooms/publishing.py): a workshop, or the
  // plenary as a moderator or presenter, or in your own turn of the showcase with the floor. A
  // right that goes (back to the plenary, a lowered role, the turn over) stops the sharing.
  const presenting = s.floor === you && meeting.presentingTurn?.participant === you;
  const mayShare = Boolean(app.mediaSettings && navigator.mediaDevices?.getDisplayMedia)
    && (meeting.myRoom !== PLENARY || meeting.me?.role !== "participant" || presenting);
  if (!mayShare && peer.sharing) peer.unshare();
  show($("screen"), mayShare);
  setText($("screen"), t(peer.sharing ? "controls.stop_sharing" : "controls.share_screen"));

  // A hard mute, or a moderator's request to mute, is said in words on the page, not only heard.
  const blocked = s.audio_blocked.includes(you);
  const muteNotice = blocked ? t("people.muted_you") : app.muteAsked ? t("people.mute_asked") : "";
  show($("mute-notice"), Boolean(muteNotice));
  setText($("mute-notice"), muteNotice);

  const raised = s.hand_queue.includes(you);
  setText($("hand"), t(raised ? "hands.lower" : "hands.raise"));
  show($("hand"), s.floor !== you);
  for (const button of $("reactions").children) button.setAttribute("aria-label", t(`reactions.${button.dataset.emoji}`));

  // The floor: yours is said in words at the top, not only by a colour.
  const mine = s.floor === you;
  show($("floor-banner"), mine);
  if (mine) setText($("floor-banner"), t(peer.enabled("audio") ? "floor.yours" : "floor.yours_muted"));
}

async function share(app) {
  const { peer } = app;
  if (peer.sharing) {
    peer.unshare();
    render(app);
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    app.problem(t(error.name === "NotAllowedError" ? "media.screen_cancelled" : "media.screen_failed"));
    return;
  }
  app.problem("");
  peer.share(stream.getVideoTracks()[0]);
  render(app);
}

// The largest tile: a shared screen, else a presenter, a moderator, whoever has the floor.
function featured(app, figures) {
  const meeting = app.meeting;
  const rank = (shown) => {
    const person = meeting.person(shown.publisher);
    if (shown.source === "screen") return 0;
    if (person?.role === "presenter") return 1;
    if (person?.role === "moderator") return 2;
    if (meeting.state.floor === shown.publisher) return 3;
    return 4;
  };
  return [...figures].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

// The stage's layout: in the plenary, the featured tile large over a strip of the others; in a
// workshop (or a plenary with no one to feature), a gallery whose grid fills the stage, its
// columns chosen so that the tiles come out largest.
export function layout(app) {
  const meeting = app.meeting;
  if (!meeting.state) return;
  const inPlenary = meeting.myRoom === PLENARY;
  const figures = app.tiles.figures();
  const top = inPlenary ? featured(app, figures) : null;
  const speaker = app.speaker?.room === meeting.myRoom ? app.speaker.participant : null;
  for (const shown of figures) {
    shown.element.classList.toggle("featured", shown === top);
    shown.element.classList.toggle("speaking", Boolean(speaker) && shown.publisher === speaker);
  }
  // Moved only when its place changes: a video element moved within one task keeps playing.
  const box = $("featured");
  for (const figure of [...box.children]) if (figure !== top?.element) $("strip").append(figure);
  if (top && top.element.parentElement !== box) box.append(top.element);
  app.tiles.own?.classList.toggle("speaking", Boolean(speaker) && speaker === meeting.you);
  $("videos").dataset.layout = top ? "spotlight" : "gallery";
  if (!top) fit();
  setText($("stage-heading"), figures.length || app.tiles.own ? t("stage.heading") : t("stage.nobody"));
  app.peer.view(app.tiles.shown()); // what is in view, at what size, may have changed
}

// The gallery's columns and rows for the tiles shown: the count whose 4:3 tiles are largest in
// the stage's space, as Jitsi's tile view chooses.
function fit() {
  const strip = $("strip");
  const n = [...strip.children].filter((node) => node.tagName === "FIGURE").length;
  const { clientWidth: width, clientHeight: height } = strip;
  let best = { cols: 1, rows: Math.max(n, 1), area: 0 };
  for (let cols = 1; cols <= Math.max(n, 1); cols += 1) {
    const rows = Math.ceil(Math.max(n, 1) / cols);
    const w = Math.min(width / cols, ((height / rows) * 4) / 3);
    if (w * w > best.area) best = { cols, rows, area: w * w };
  }
  if (strip.style.getPropertyValue("--cols") !== String(best.cols)) strip.style.setProperty("--cols", String(best.cols));
  if (strip.style.getPropertyValue("--rows") !== String(best.rows)) strip.style.setProperty("--rows", String(best.rows));
}

export function reaction(app, e) {
  const item = el("li", {}, el("span", { "aria-hidden": "true" }, e.emoji), " ",
    t("reactions.from", { name: app.nameOf(e.participant), reaction: t(`reactions.${e.emoji}`) }));
  $("reaction-feed").append(item);
  setTimeout(() => item.remove(), REACTION_SHOWN_MS);
}
