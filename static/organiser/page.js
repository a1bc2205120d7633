// What the organiser's views share: the status announced to screen readers, the problem shown
// (and announced) when an action fails, a confirmation before what cannot be undone, and times
// in the organiser's language, on a 24-hour clock.
import { $, setText } from "../dom.js";
import { current, t } from "../i18n.js";

export function announce(text) {
  // Emptied first: the same words twice in a row are announced twice.
  setText($("status"), "");
  requestAnimationFrame(() => setText($("status"), text));
}

export function problem(text) {
  setText($("problem"), text);
}

// The words for a failed request (`api.ApiError`); the server's own message names the field.
export function describe(error) {
  if (error.status === 0) return t("organiser.unreachable");
  if (error.status === 401) return t("organiser.signed_out");
  if (error.code === "csrf") return t("organiser.csrf");
  if (error.status === 404) return t("organiser.gone");
  if (error.status === 503) return t("error.unavailable");
  if (error.status === 400 || error.status === 413) return t("organiser.refused", { detail: error.message });
  return t("error.other", { code: error.code || error.status });
}

// Resolves true if the organiser confirms in the dialog (`confirmKey`: the button's words).
export function confirm(title, text, confirmKey) {
  const dialog = $("confirm");
  setText($("confirm-title"), title);
  setText($("confirm-text"), text);
  setText($("confirm-yes"), t(confirmKey));
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.showModal();
  });
}

const CLOCK = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
// The English of this forum is British, as on the meeting's pages: "4 December 2026".
const LOCALES = { pl: "pl-PL", en: "en-GB" };
const locale = () => LOCALES[current()] ?? current();
const DAY = { weekday: "long", day: "numeric", month: "long", year: "numeric" };

export function when(startsAt, endsAt) {
  if (startsAt == null) return t("organiser.no_start");
  const format = new Intl.DateTimeFormat(locale(), { ...DAY, ...CLOCK });
  if (endsAt == null) return format.format(new Date(startsAt * 1000));
  return format.formatRange(new Date(startsAt * 1000), new Date(endsAt * 1000));
}

export function dateTime(seconds) {
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric", ...CLOCK })
    .format(new Date(seconds * 1000));
}

export function clock(seconds) {
  return new Intl.DateTimeFormat(locale(), CLOCK).format(new Date(seconds * 1000));
}

const pad = (n) => String(n).padStart(2, "0");

// A <input type="datetime-local"> value for a time, in the browser's zone.
export function localInput(seconds) {
  if (seconds == null) return "";
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// ISO 8601 with the browser's offset at that time (summer or winter), as the API needs: without
// one the server could only guess the organiser's zone. "" gives null.
export function isoFromInput(value) {
  if (!value) return null;
  const offset = -new Date(value).getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const seconds = value.length === 16 ? ":00" : "";
  return `${value}${seconds}${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

export function zoneName() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
