// Contacts between leaders: opt in at joining or later, change or withdraw (after a confirmation),
// and, once in, the directory of the others who opted in, with one's own link to keep. Only
// those who opted in are ever sent anyone's details (rooms/contacts.py); here they are text, and
// the links are built from them only when they are what they say (an address, a number, a site).
import { $, el, reconcile, setText, show } from "../dom.js";
import { t, current } from "../i18n.js";

const FIELDS = ["email", "phone", "website", "note"];
const WEBSITE = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
// As rooms/contacts.py checks them: a mailto: link carries the address and nothing more.
const EMAIL = /^[^@\s?#&=]+@[^@\s.?#&=/\\:;,<>()[\]"']+(\.[^@\s.?#&=/\\:;,<>()[\]"']+)+$/;
const PHONE = /^\+?[0-9 ()-]+$/;

let link = null; // the latest contacts_link: { token, link, expires_at }

export function setup(app) {
  $("join-share").addEventListener("change", (e) => show($("join-contact-fields"), e.target.checked));
  $("contact-form").addEventListener("submit", (e) => {
    e.preventDefault();
    share(app);
  });
  for (const field of FIELDS) $(`contact-${field}`).addEventListener("input", () => refusal(""));
  askBeforeWithdrawing(() => {
    app.command({ type: "withdraw_contact" }, {
      accepted: () => {
        for (const field of FIELDS) $(`contact-${field}`).value = "";
        link = null;
        status(app, t("contacts.withdrawn"));
        $("contact-email").focus();
      },
      refused: (error) => refusal(app.errorText(error)),
    });
  });
}

// Joined with "share my contacts" ticked: what was typed there goes through the panel's form,
// so a refusal is shown, with the details kept, where they can be corrected.
export function joined(app) {
  if (!$("join-share").checked) return;
  for (const field of FIELDS) $(`contact-${field}`).value = $(`join-contact-${field}`).value;
  $("join-share").checked = false;
  share(app);
}

// The personal link, sent after each share and each resume.
export function received(app, message) {
  link = message;
}

function share(app) {
  const details = Object.fromEntries(FIELDS.map((field) => [field, $(`contact-${field}`).value.trim()]));
  if (!FIELDS.some((field) => details[field])) {
    refusal(t("contacts.refused_empty"));
    $("contact-email").focus();
    return;
  }
  refusal("");
  const sharedBefore = app.meeting.optedIn;
  app.command({ type: "share_contact", ...details }, {
    accepted: () => status(app, t(sharedBefore ? "contacts.changed" : "contacts.shared")),
    refused: (error) => refusal(why(app, error)),
  });
}

// The meeting's reason, naming the field it found wrong, in the person's words.
function why(app, error) {
  if (error.code === "conflict" && app.meeting.optedIn) return t("contacts.refused_same");
  if (error.code !== "invalid") return app.errorText(error);
  const field = FIELDS.find((f) => error.message.startsWith(`${f}:`));
  if (!field) return t("contacts.refused_empty");
  $(`contact-${field}`).focus();
  const max = app.meeting.limits[`max_contact_${field}_chars`];
  return t(`contacts.refused_${field}`, { max });
}

function refusal(text) {
  setText($("contact-error"), text);
  show($("contact-error"), Boolean(text));
}

function status(app, text) {
  setText($("contacts-status"), text);
  app.announce(text);
}

export function render(app) {
  const meeting = app.meeting;
  const limits = meeting.limits;
  const inside = meeting.optedIn;
  for (const field of FIELDS) $(`contact-${field}`).maxLength = limits[`max_contact_${field}_chars`];
  setText($("contact-limits"), t("contacts.limits", {
    email: limits.max_contact_email_chars, phone: limits.max_contact_phone_chars,
    website: limits.max_contact_website_chars, note: limits.max_contact_note_chars,
  }));
  setText($("contact-form-heading"), t(inside ? "contacts.yours" : "contacts.share_heading"));
  setText($("contact-share"), t(inside ? "contacts.save" : "contacts.share"));
  show($("contact-withdraw"), inside);
  if (!inside) show($("contact-confirm"), false);
  // Our own card fills the form once (after a reload, say); what is being typed stays.
  const mine = meeting.state.contacts?.[meeting.you];
  const form = $("contact-form");
  if (mine && form.dataset.filled !== "yes" && !form.contains(document.activeElement)) {
    for (const field of FIELDS) $(`contact-${field}`).value = mine[field];
    form.dataset.filled = "yes";
  }
  if (!mine) form.dataset.filled = "";

  show($("contacts-link-box"), inside && link !== null);
  if (inside && link) {
    $("contacts-link").href = link.link;
    setText($("contacts-link"), link.link);
  }
  const cards = meeting.contactCards;
  directory($("contact-list"), cards);
  show($("contacts-empty"), cards.length === 0);
  setText($("contacts-empty"), t(inside ? "contacts.empty" : "contacts.outside"));
}

// The directory as a list of cards; used by the meeting's panel and by contacts.html.
export function directory(list, cards) {
  reconcile(list, cards, (card) => card.participant, () => el("li", { class: "contact" }), fill);
}

function fill(node, card) {
  // Rebuilt only when the card (or the language) changed: a keyboard user on one of its links keeps their place.
  const signature = JSON.stringify([current(), card]);
  if (node.dataset.card === signature) return;
  node.dataset.card = signature;
  const where = [card.organisation, card.district].filter(Boolean).join(" · ");
  const lines = [
    el("p", { class: "c-name" }, el("strong", {}, el("bdi", {}, card.name))),
    where ? el("p", { class: "c-where" }, el("bdi", {}, where)) : null,
    detail("contacts.email", card.email, EMAIL.test(card.email) ? `mailto:${card.email}` : null),
    detail("contacts.phone", card.phone, PHONE.test(card.phone) ? `tel:${card.phone.replace(/[^0-9+]/g, "")}` : null),
    detail("contacts.website", card.website, WEBSITE.test(card.website) ? card.website : null),
    card.note ? el("p", { class: "c-note" }, el("bdi", {}, card.note)) : null,
  ];
  node.replaceChildren(...lines.filter(Boolean));
}

// "E-mail: ala@example.org", linked only when the text is what the link needs; always text.
function detail(labelKey, value, href) {
  if (!value) return null;
  const shown = el("bdi", {}, value);
  const target = href ? el("a", { href, rel: "noopener noreferrer nofollow", target: href.startsWith("http") ? "_blank" : null }, shown) : shown;
  return el("p", {}, `${t(labelKey)}: `, target);
}

// "Withdraw" asks first: the confirmation takes the focus, "No" gives it back to "Withdraw", and
// "Yes" hides the question and calls `withdraw`. The panel here and the link's own page share it.
export function askBeforeWithdrawing(withdraw) {
  $("contact-withdraw").addEventListener("click", () => {
    show($("contact-confirm"), true);
    $("contact-confirm-no").focus();
  });
  $("contact-confirm-no").addEventListener("click", () => {
    show($("contact-confirm"), false);
    $("contact-withdraw").focus();
  });
  $("contact-confirm-yes").addEventListener("click", () => {
    show($("contact-confirm"), false);
    withdraw();
  });
}
