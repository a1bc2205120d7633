// The tiles of the stage: a figure per video received, an <audio> per sound, and the previews of
// our own camera and screen. Only DOM here; what is received comes from peer.js. Names of others
// only ever go into textContent and attributes (dom.js).
import { el } from "./dom.js";
import { t } from "./i18n.js";

export class Tiles {
  // videos: the element that holds one figure per video; nameOf: a participant id to a display
  // name; onchange: called when tiles come or go.
  constructor({ videos, nameOf, onchange }) {
    Object.assign(this, { videos, nameOf, onchange });
    this.own = null; // our own camera's preview figure
    this.ownScreen = null; // the preview of the screen we share
    this.received = new Map(); // mid -> { source, publisher, element }
  }

  // Our camera's preview, first on the stage; made once, from the first video track we have.
  showOwn(video) {
    if (!video) return;
    if (!this.own) {
      this.own = this.figure(new MediaStream([video]));
      this.own.classList.add("own");
      this.own.dataset.publisher = "";
    }
    if (!this.own.isConnected) this.videos.prepend(this.own);
    this.relabel();
  }

  showScreen(track) {
    this.ownScreen?.remove();
    this.ownScreen = this.figure(new MediaStream([track]));
    this.ownScreen.classList.add("own", "screen");
    this.ownScreen.dataset.publisher = "";
    this.ownScreen.dataset.source = "screen";
    if (this.own?.isConnected) this.own.after(this.ownScreen);
    else this.videos.prepend(this.ownScreen);
    this.relabel();
    this.onchange();
  }

  hideScreen() {
    this.ownScreen?.remove();
    this.ownScreen = null;
  }

  // What the server's offer says we receive, mid by mid ({ mid, source, publisher, track }, track
  // null where we have no transceiver for the mid); a mid may carry someone else later.
  show(tracks) {
    const listed = new Map(tracks.map((track) => [track.mid, track]));
    for (const [mid, shown] of this.received) {
      if (!listed.has(mid)) { shown.element.remove(); this.received.delete(mid); }
    }
    for (const { mid, source, publisher, track } of tracks) {
      if (!track) continue;
      let shown = this.received.get(mid);
      if (!shown) {
        shown = { element: track.kind === "audio" ? this.audio(track) : this.figure(new MediaStream([track])) };
        this.received.set(mid, shown);
        this.videos.append(shown.element);
      }
      Object.assign(shown, { source, publisher });
      shown.element.dataset.publisher = publisher;
      shown.element.dataset.source = source;
      shown.element.classList.toggle("screen", source === "screen");
      this.label(shown);
    }
    this.onchange();
  }

  // The peer connection is gone: nothing is received any more (our own previews stay).
  clear() {
    for (const shown of this.received.values()) shown.element.remove();
    this.received.clear();
  }

  audio(track) {
    const audio = el("audio", { autoplay: true, class: "sound" });
    audio.srcObject = new MediaStream([track]);
    return audio;
  }

  figure(stream) {
    const video = el("video", { autoplay: true, playsinline: true });
    video.muted = true; // its sound comes on the audio track; our own must never echo
    video.srcObject = stream;
    return el("figure", { class: "tile" }, video, el("figcaption"));
  }

  label(shown) {
    const key = shown.source === "screen" ? "media.screen_of" : "media.video_of";
    const text = t(key, { name: this.nameOf(shown.publisher) });
    if (shown.element.tagName === "AUDIO") {
      shown.element.setAttribute("aria-label", text);
      return;
    }
    shown.element.querySelector("video").setAttribute("aria-label", text);
    shown.element.querySelector("figcaption").textContent = shown.source === "screen" ? text : this.nameOf(shown.publisher);
  }

  // Names and the language may change: label again.
  relabel() {
    for (const shown of this.received.values()) this.label(shown);
    if (this.own) {
      this.own.querySelector("video").setAttribute("aria-label", t("media.own_video"));
      this.own.querySelector("figcaption").textContent = t("media.you");
    }
    if (this.ownScreen) {
      this.ownScreen.querySelector("video").setAttribute("aria-label", t("media.own_screen"));
      this.ownScreen.querySelector("figcaption").textContent = t("media.own_screen");
    }
  }

  // The video figures received ({ source, publisher, element }), for the stage's layout.
  figures() {
    return [...this.received.values()].filter((shown) => shown.element.tagName === "FIGURE");
  }
}
