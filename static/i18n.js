// Every string the page shows comes from a catalogue, static/i18n/<language>.json. The language
// is the browser's (Polish or English) until the person picks one; the pick is remembered.

export const LANGUAGES = ["pl", "en"];
const STORED = "plenum.language";
let language = "en";
let catalogue = {};

function preferred() {
  const stored = localStorage.getItem(STORED);
  if (LANGUAGES.includes(stored)) return stored;
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const base = wanted.toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export async function load(chosen = preferred()) {
  const response = await fetch(`/i18n/${chosen}.json`);
  catalogue = await response.json();
  language = chosen;
  document.documentElement.lang = chosen;
}

export async function choose(chosen) {
  localStorage.setItem(STORED, chosen);
  await load(chosen);
}

export const current = () => language;
export const has = (key) => key in catalogue;

// t("announce.floor", { name: "Ewa" }) with "{name}" placeholders; a missing key shows itself.
export function t(key, params = {}) {
  const text = catalogue[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

// Static markup names its strings: data-i18n (text), data-i18n-label (aria-label),
// data-i18n-placeholder.
export function translate(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
  }
  document.title = t("app.name");
}

// Times of day on the 24-hour clock, as Polish and British English write them (the English of
// this forum is en-GB); seconds left as m:ss.
const LOCALES = { pl: "pl-PL", en: "en-GB" };
const clock = (options) => new Intl.DateTimeFormat(LOCALES[language] ?? language, { ...options, hourCycle: "h23" });

export function timeOfDay(seconds) {
  return clock({ timeStyle: "short" }).format(new Date(seconds * 1000));
}

export function dateTime(seconds, dateStyle = "long") {
  return clock({ dateStyle, timeStyle: "short" }).format(new Date(seconds * 1000));
}

export function countdown(seconds) {
  const left = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}

// "3rd", "3.": the catalogue's ordinal for the language's rule (ordinal.one, .two, .few, .other).
export function ordinal(n) {
  const rule = new Intl.PluralRules(language, { type: "ordinal" }).select(n);
  return t(has(`ordinal.${rule}`) ? `ordinal.${rule}` : "ordinal.other", { n });
}

// "1 vote", "5 głosów": the catalogue's `${key}_${rule}` for the language's plural rule of n
// (one, few, many, other), else `${key}_other`.
export function plural(key, n) {
  const rule = new Intl.PluralRules(language).select(n);
  return t(has(`${key}_${rule}`) ? `${key}_${rule}` : `${key}_other`, { n });
}
