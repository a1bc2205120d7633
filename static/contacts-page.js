// The contacts directory from one's own link (contacts.html#<token>): during the meeting and
// after it, until its data expires, for someone who still shares their contacts; and their
// withdrawal, after a confirmation, also once they left the meeting. The token is after "#",
// never sent to the server but as the API's bearer token.
import { $, setText, show } from "./dom.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { askBeforeWithdrawing, directory } from "./views/contacts.js";

const token = decodeURIComponent(location.hash.slice(1));
let shown = null; // the API's answer, or the catalogue key of what went wrong

// The meeting's id is in the token's payload (rooms' ids are URL-safe); a token that is not
// a token is answered by the server like any other bad one.
function meetingOf(raw) {
  try {
    const payload = raw.split(".")[0].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).m ?? "";
  } catch {
    return "";
  }
}

const address = () => `/api/meetings/${encodeURIComponent(meetingOf(token) || "unknown")}/contacts`;

async function fetchDirectory(method = "GET") {
  if (!token) return "contacts.page_no_link";
  let response;
  try {
    response = await fetch(address(), {
      method,
      headers: { Authorization: `Bearer ${token}` },
      cache: "no-store",
    });
  } catch {
    return "contacts.page_unreachable";
  }
  if (response.status === 204) return "contacts.withdrawn";
  const body = await response.json().catch(() => null);
  if (body === null) return "contacts.page_unreachable";
  if (response.ok) return body;
  if (response.status === 403) return "contacts.page_not_opted_in";
  if (response.status === 404) return "contacts.page_gone";
  return "contacts.page_bad_link";
}

function render() {
  i18n.translate();
  const found = typeof shown === "object" && shown !== null;
  show($("where"), found);
  show($("contacts-leave"), found);
  if (!found) {
    setText($("contacts-page-status"), t(shown ?? "contacts.page_loading"));
    directory($("contact-list"), []);
    return;
  }
  setText($("where"), t("contacts.page_meeting", { title: shown.title }));
  const others = shown.contacts.filter((card) => card.participant !== shown.you);
  setText($("contacts-page-status"), others.length ? "" : t("contacts.empty"));
  directory($("contact-list"), others.sort((a, b) => a.name.localeCompare(b.name)));
}

async function start() {
  await i18n.load();
  $("language").value = i18n.current();
  $("language").addEventListener("change", async (e) => {
    await i18n.choose(e.target.value);
    render();
  });
  askBeforeWithdrawing(async () => {
    shown = await fetchDirectory("DELETE");
    render();
    $("contacts-page-status").focus();
  });
  render();
  shown = await fetchDirectory();
  render();
}

start();
