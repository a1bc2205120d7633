// Ending the meeting: the console's "End the meeting for everyone" behind a confirmation dialog,
// the screen everyone sees once it ended (instead of reconnecting), and the moderators'
// downloads of the record (docs/protocol.md, "Ending the meeting"; the routes: docs/record.md).
import { $, setText, show } from "../dom.js";
import { t, timeOfDay } from "../i18n.js";

const TAB = (() => {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
})();
// What opens the record of the meeting this tab moderated when it ended: after a reload, the
// server refuses to resume, not to hand the record to the resume token the tab kept.
const keptAs = () => `plenum.record.${location.hash.slice(1)}`;

// What each download asks for: the route's file, what it is saved as, and whether it opens.
const DOWNLOADS = {
  "record-json": { path: "record.json", file: "record.json" },
  "record-csv": { path: "attendance.csv", file: "attendance.csv" },
  "record-minutes-pl": { path: "minutes.html", lang: "pl", opens: true },
  "record-minutes-en": { path: "minutes.html", lang: "en", opens: true },
};

export function setup(app) {
  const dialog = $("end-dialog");
  $("end-meeting").addEventListener("click", () => dialog.showModal());
  // Escape cancels (the dialog's own `cancel`); either way the focus goes back to the button.
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "end") app.command({ type: "end_meeting" });
    dialog.returnValue = "";
    if (!app.ended) $("end-meeting").focus();
  });
  for (const [id, download] of Object.entries(DOWNLOADS)) {
    $(id).addEventListener("click", () => fetchRecord(app, download));
  }
}

// The meeting ended: its event, the close that follows, a refused resume after a reload, or a
// link opened after the end (`record`: the meeting and the moderator link's token, if it is
// one). The ended screen, once, announced; the record's downloads for moderators.
export function ended(app, record = null) {
  const meeting = app.meeting;
  if (meeting.isModerator) {
    app.record = { meeting: meeting.state.id, token: app.connection.resumeToken };
    TAB?.setItem(keptAs(), JSON.stringify(app.record));
  }
  app.record ??= record ?? JSON.parse(TAB?.getItem(keptAs()) ?? "null");
  const first = !app.ended;
  app.ended = true;
  if ($("end-dialog").open) $("end-dialog").close();
  app.peer.stop();
  for (const id of ["meeting-view", "join-view", "notice-view", "console", "where", "timer"]) show($(id), false);
  setText($("connection"), "");
  const view = $("ended-view");
  show(view, true);
  if (app.record && !view.contains($("record"))) view.append($("record"));
  show($("record"), Boolean(app.record));
  render(app);
  if (first) {
    app.announce(t("ending.ended_title"), true);
    $("ended-title").focus();
  }
}

export function render(app) {
  if (!app.ended) return;
  if (app.meeting.state) setText($("title"), app.meeting.state.title);
  const ending = app.endedEvent;
  // Someone who never got in (a link opened after the end) is told that nobody can join now.
  let text = app.joined ? t("ending.ended_text") : t("ending.join_refused");
  if (ending) text = `${t("ending.ended_by", { name: app.nameOf(ending.by), time: timeOfDay(ending.at) })} ${text}`;
  setText($("ended-text"), text);
}

async function fetchRecord(app, download) {
  const status = $("record-status");
  // The moderator's resume token (kept by the tab after the socket closed), or link token.
  const { meeting, token } = app.record ?? { meeting: app.meeting.state?.id, token: app.connection.resumeToken };
  const query = new URLSearchParams();
  if (download.lang) query.set("lang", download.lang);
  if ($("record-chat").checked) query.set("chat", "public");
  const asked = query.toString();
  const url = `/api/meetings/${encodeURIComponent(meeting)}/${download.path}${asked ? `?${asked}` : ""}`;
  status.classList.remove("error");
  setText(status, t("record.downloading"));
  // Opened now, while the click still allows a new tab; filled once the minutes arrive.
  const tab = download.opens ? window.open("", "_blank") : null;
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    tab?.close();
    return failed(status, t("record.failed_network"));
  }
  if (!response.ok) {
    tab?.close();
    const known = [401, 403, 404].includes(response.status);
    return failed(status, known ? t(`record.failed_${response.status}`) : t("record.failed_other", { status: response.status }));
  }
  const blob = await response.blob();
  const address = URL.createObjectURL(blob);
  if (download.opens) {
    if (tab) tab.location.href = address;
    else window.open(address, "_blank");
    setText(status, t("record.opened"));
  } else {
    const file = savedAs(app, download);
    const link = Object.assign(document.createElement("a"), { href: address, download: file });
    document.body.append(link);
    link.click();
    link.remove();
    setText(status, t("record.done", { file }));
  }
  // The new tab or the download has the blob by then; the page need not keep it.
  setTimeout(() => URL.revokeObjectURL(address), 60_000);
}

function failed(status, reason) {
  status.classList.add("error");
  setText(status, t("record.failed", { reason }));
}

// "forum-miasta-record.json": the meeting's title, made safe for a file name.
function savedAs(app, download) {
  const title = (app.meeting.state?.title ?? "meeting").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "meeting";
  return `${title}-${download.file}`;
}
