// The meetings, upcoming (and in progress) apart from past ones: each with its title, when, and
// its state in words.
import { $, el, show } from "../dom.js";
import { plural, t } from "../i18n.js";
import * as api from "./api.js";
import { when } from "./page.js";

const now = () => Date.now() / 1000;

export const isPast = (m) => m.ended_at != null || (m.ends_at != null && m.ends_at <= now());

export function stateOf(m) {
  if (m.ended_at != null) return t("organiser.state_ended");
  if (isPast(m)) return t("organiser.state_past");
  if (m.starts_at != null && m.starts_at > now()) return t("organiser.state_upcoming");
  return plural("organiser.state_open", m.present ?? 0);
}

function item(m) {
  return el("li", { class: "meeting-item" },
    el("a", { href: `#meeting/${encodeURIComponent(m.id)}`, class: "meeting-title" }, m.title),
    el("span", { class: "meeting-when" }, when(m.starts_at, m.ends_at)),
    el("span", { class: "meeting-state" }, stateOf(m)));
}

export async function render() {
  const meetings = await api.meetings();
  const past = meetings.filter(isPast);
  // The next one first; of the past, the latest first.
  const upcoming = meetings.filter((m) => !isPast(m))
    .sort((a, b) => (a.starts_at ?? Infinity) - (b.starts_at ?? Infinity));
  past.sort((a, b) => (b.starts_at ?? 0) - (a.starts_at ?? 0));
  $("upcoming").replaceChildren(...upcoming.map(item));
  $("past").replaceChildren(...past.map(item));
  show($("upcoming-empty"), upcoming.length === 0);
  show($("past-empty"), past.length === 0);
}
