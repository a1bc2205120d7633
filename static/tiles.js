// The tiles of the stage: a figure per video received, an <audio> per sound, and the previews of
// our own camera and screen. Only DOM here; what is received comes from peer.js. Names of others
// only ever go into textContent and attributes (dom.js). Which received videos are in view is
// known here too: the server forwards only those (peer.js, media_view).
import { el } from "./dom.js";
import { t } from "./i18n.js";

// docs/protocol.md, media_view: a tile's height is said in one of these steps, and a view lists
// at most `maxShown` videos (the server's `welcome.media.max_view_videos`; this until it says).
const HEIGHTS = [90, 180, 360, 720, 1080];
const MAX_SHOWN = 25;
// The marks of a figure (its classes, set here and by views/plenary.js) that put it first in a
// view, in this order.
const FIRST = ["featured", "screen", "speaking"];

// A video's height in device pixels, rounded up to the step that covers it (the largest for
// anything taller); 0 for one not laid out.
export function heightStep(pixels) {
  if (!(pixels > 0)) return 0;
  return HEIGHTS.find((step) => step >= pixels) ?? HEIGHTS.at(-1);
}

export class Tiles {
  // videos: the element that holds one figure per video; nameOf: a participant id to a display
  // name; onchange: called when tiles come or go; onview: when a received video comes into view
  // or leaves it.
  constructor({ videos, nameOf, onchange, onview }) {
    Object.assign(this, { videos, nameOf, onchange, onview });
    this.maxShown = MAX_SHOWN;
    this.own = null; // our own camera's preview figure
    this.ownScreen = null; // the preview of the screen we share
    this.received = new Map(); // mid -> { source, publisher, element }
    // The received figures at least partly in view. The viewport is the root: it clips a figure
    // by every box that scrolls it (the strip, the stage, a short window's page), and a figure
    // in a hidden stage (the moderator's console in its place) is in view nowhere.
    this.inView = new Set();
    this.watcher = new IntersectionObserver((entries) => {
      for (const { target, isIntersecting } of entries) {
        if (isIntersecting) this.inView.add(target);
        else this.inView.delete(target);
      }
      this.onview();
    });
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
      if (!listed.has(mid)) this.forget(mid);
    }
    for (const { mid, source, publisher, track } of tracks) {
      if (!track) continue;
      let shown = this.received.get(mid);
      if (!shown) {
        shown = { element: track.kind === "audio" ? this.audio(track) : this.receivedFigure(track) };
        this.received.set(mid, shown);
        this.videos.append(shown.element);
        if (track.kind === "video") this.watcher.observe(shown.element);
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
    for (const mid of [...this.received.keys()]) this.forget(mid);
  }

  forget(mid) {
    const { element } = this.received.get(mid);
    element.remove();
    this.watcher.unobserve(element);
    this.inView.delete(element);
    this.received.delete(mid);
  }

  audio(track) {
    const audio = el("audio", { autoplay: true, class: "sound" });
    audio.srcObject = new MediaStream([track]);
    return audio;
  }

  // Someone else's video, with the words said while the server does not send it.
  receivedFigure(track) {
    const figure = this.figure(new MediaStream([track]));
    figure.append(el("p", { class: "paused-hint" }));
    return figure;
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
    shown.element.querySelector(".paused-hint").textContent = t("media.paused");
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

  // The videos to receive, most important first, as the server keeps them when it cannot send
  // them all (docs/protocol.md, media_view): of those in view, the featured tile, a shared screen,
  // the active speaker, then the others in the page's order; none while the tab is hidden. Each
  // figure left out is marked paused, which its hint says in words. Null while no video is
  // received: there is nothing to choose from yet (a new peer connection's tiles are still to
  // come), and the view said before still holds.
  shown() {
    if (this.figures().length === 0) return null;
    const inView = document.hidden ? [] : this.figures().filter((shown) => this.inView.has(shown.element));
    const rank = ({ element }) => {
      const mark = FIRST.findIndex((name) => element.classList.contains(name));
      return mark === -1 ? FIRST.length : mark;
    };
    const follows = (a, b) => (a.element.compareDocumentPosition(b.element) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
    const listed = inView.sort((a, b) => rank(a) - rank(b) || follows(a, b)).slice(0, this.maxShown);
    for (const shown of this.figures()) shown.element.classList.toggle("paused", !listed.includes(shown));
    return listed.map(({ publisher, source, element }) => ({
      publisher,
      source,
      height: heightStep(element.querySelector("video").clientHeight * devicePixelRatio),
    }));
  }
}
