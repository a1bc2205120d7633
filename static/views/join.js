// The join page: the meeting's title from the link, a name and optional details, a camera and
// microphone check; clear words for a bad or expired link, a full meeting, a blocked camera.
import { $, setText, show, setOptions } from "../dom.js";
import { t, has, dateTime } from "../i18n.js";
import { capture } from "../peer.js";
import * as standing from "../standing.js";
import { CLOSE } from "../protocol.js";
import * as waiting from "./waiting.js";

const token = decodeURIComponent(location.hash.slice(1));
let invitation = null;
let preview = null; // the stream from the check, handed to the meeting on joining
let failure = null; // [title key, text key] when the link cannot be used

// The fields the meeting limits: the limit's name in the invitation's `limits`, and the field's
// label. Nothing typed or pasted is cut: the limit is said, and a text over it is named on joining.
const LIMITED = [
  ["join-name", "max_name_chars", "join.name"],
  ["join-organisation", "max_attribute_chars", "join.organisation"],
  ["join-district", "max_attribute_chars", "join.district"],
  ["join-group", "max_attribute_chars", "join.group"],
];
const COUNT_FROM_LEFT = 10; // a field's count shows once this few characters are left

// Counted as the server counts (rooms/texts.py, one_line): whitespace collapsed, code points.
const length = (text) => [...text.trim().split(/\s+/).join(" ")].length;

// Why a link does not open its meeting: reissued by the organiser, past its time, or no good.
function linkNotice(code) {
  if (code === "no_meeting") notice("join.no_meeting_title", "join.no_meeting");
  else if (code === "link_revoked") notice("join.revoked_link_title", "join.revoked_link");
  else if (code === "link_expired") notice("join.expired_link_title", "join.expired_link");
  else notice("join.bad_link_title", "join.bad_link");
}

function notice(titleKey, textKey) {
  failure = [titleKey, textKey];
  show($("join-view"), false);
  show($("notice-view"), true);
  setText($("notice-title"), t(titleKey));
  setText($("notice-text"), t(textKey));
}

export async function setup(app) {
  if (!token) {
    notice("join.no_link_title", "join.no_link");
    return;
  }
  let response;
  try {
    response = await fetch("/api/invitation", { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    notice("join.unreachable_title", "join.unreachable");
    return;
  }
  // A proxy's error page is not JSON: treat it as the server being out of reach.
  const body = await response.json().catch(() => null);
  if (body === null) {
    notice("join.unreachable_title", "join.unreachable");
    return;
  }
  if (!response.ok) {
    linkNotice(body.error);
    return;
  }
  invitation = body;
  // Ending the meeting: a link opened after the end shows so, with the record for a moderator.
  if (body.ended_at != null) {
    setText($("title"), invitation.title);
    app.meetingEnded(linkRecord());
    return;
  }
  if (invitation.invitee) invited(invitation.invitee);
  for (const [id, limit] of LIMITED) $(id).addEventListener("input", () => counted(id, limit));
  // The opening: a participant's link before the meeting opens waits on a page of its own.
  waiting.setup();
  const early = !app.connection.reloaded && waiting.due(invitation, role());
  if (early) waiting.wait(app, invitation, () => opened(app, false), reread);
  // A reloaded page resuming from its kept token shows the form only if that fails (ask).
  show($("join-view"), !app.joined && !app.connection.reloaded && !early);
  // A server that carries no audio or video: nothing to check, and the browser is never asked.
  // Nor on a page without a secure context (plain http but for localhost): there the browser
  // has no camera or microphone to give, so the page says how to get one.
  show($("join-devices"), invitation.media !== false && !insecure());
  render(app);
  $("join-preview").addEventListener("click", () => check());
  $("join-camera-choice").addEventListener("change", () => check());
  $("join-microphone-choice").addEventListener("change", () => check());
  $("join-view").addEventListener("submit", (e) => {
    e.preventDefault();
    submit(app);
  });
}

// A personal link: the organiser's name and details, which the server joins with whatever is
// typed, are filled in and not to be changed here.
function invited(invitee) {
  for (const field of ["name", "organisation", "district", "group"]) {
    const input = $(`join-${field}`);
    input.value = invitee[field] ?? "";
    input.readOnly = true;
  }
  show($("join-invited"), true);
}

const insecure = () => !window.isSecureContext || !navigator.mediaDevices;

export function render(app) {
  if (failure) {
    notice(...failure);
    return;
  }
  if (!invitation || app.joined) return;
  setText($("title"), invitation.title);
  setText($("join-role"), t(`join.as_${role()}`));
  show($("join-when"), Boolean(invitation.starts_at));
  if (invitation.starts_at) setText($("join-when"), t("join.starts", { when: dateTime(invitation.starts_at) }));
  setText($("join-name-hint"), t("join.name_hint", { max: invitation.limits.max_name_chars }));
  show($("join-insecure"), invitation.media !== false && insecure());
  setText($("join-insecure"), t("join.insecure"));
  setText($("join-optional-hint"), t("join.optional_hint", { max: invitation.limits.max_attribute_chars }));
  for (const [id, limit] of LIMITED) counted(id, limit);
  waiting.render();
}

// The role the link joins with: a moderator link opened where its moderator was demoted joins
// as a participant.
function role() {
  const moderator = invitation.role === "moderator" && !standing.shown(token).demoted;
  return moderator ? "moderator" : invitation.role === "presenter" ? "presenter" : "participant";
}

// The meeting opened while the page waited: the join form, or, for someone who had already
// pressed "Join" (and was told it was too early), joining at once.
function opened(app, pressed) {
  if (app.joined) return;
  show($("join-error"), false);
  show($("join-view"), true);
  if (pressed) submit(app);
  else $("join-name").focus();
}

// Shows how many characters are left near the limit, and how many are over it; false when over.
function counted(id, limit) {
  const left = invitation.limits[limit] - length($(id).value);
  const count = $(`${id}-count`);
  const near = left <= COUNT_FROM_LEFT;
  show(count, near);
  count.classList.toggle("error", left < 0);
  // Emptied when hidden: the field's description (aria-describedby) would still read it.
  const text = left < 0 ? t("join.chars_over", { n: -left }) : t("join.chars_left", { n: left });
  setText(count, near ? text : "");
  return left >= 0;
}

async function check() {
  const wanted = {
    camera: $("join-camera").checked,
    microphone: true,
    cameraId: $("join-camera-choice").value || undefined,
    microphoneId: $("join-microphone-choice").value || undefined,
  };
  preview?.getTracks().forEach((track) => track.stop());
  preview = null;
  try {
    preview = await capture(wanted);
  } catch (error) {
    deviceError(error);
    return;
  }
  show($("join-device-error"), false);
  show($("join-preview-box"), true);
  $("join-preview-video").srcObject = preview;
  const devices = await navigator.mediaDevices.enumerateDevices();
  const options = (kind) => devices.filter((d) => d.kind === kind)
    .map((d, i) => [d.deviceId, d.label || t(kind === "videoinput" ? "join.camera_n" : "join.microphone_n", { n: i + 1 })]);
  const chosen = (kind) => preview.getTracks().find((track) => track.kind === kind)?.getSettings().deviceId;
  setOptions($("join-camera-choice"), options("videoinput"));
  setOptions($("join-microphone-choice"), options("audioinput"));
  if (chosen("video")) $("join-camera-choice").value = chosen("video");
  if (chosen("audio")) $("join-microphone-choice").value = chosen("audio");
}

function deviceError(error) {
  const key = error?.name === "NotAllowedError" ? "join.devices_blocked"
    : error?.name === "NotFoundError" ? "join.devices_missing" : "join.devices_failed";
  setText($("join-device-error"), t(key));
  show($("join-device-error"), true);
}

async function submit(app) {
  const name = $("join-name").value.trim();
  if (!name) {
    error(t("join.name_required"));
    $("join-name").focus();
    return;
  }
  const tooLong = LIMITED.find(([id, limit]) => !counted(id, limit));
  if (tooLong) {
    const [id, limit, label] = tooLong;
    error(t("join.too_long", { field: t(label), max: invitation.limits[limit] }));
    $(id).focus();
    return;
  }
  $("join-submit").disabled = true;
  if (!preview && navigator.mediaDevices && invitation.media !== false) {
    try {
      preview = await capture({ camera: $("join-camera").checked, microphone: true });
    } catch (problem) {
      deviceError(problem); // join anyway: seeing and hearing others needs no camera
    }
  }
  preview?.getVideoTracks().forEach((track) => { track.enabled = $("join-camera").checked; });
  preview?.getAudioTracks().forEach((track) => { track.enabled = $("join-microphone").checked; });
  app.connection.hello({
    token,
    name,
    organisation: $("join-organisation").value.trim(),
    district: $("join-district").value.trim(),
    group: $("join-group").value.trim(),
  });
}

// The invitation as the server has it now, for a page that waits for the opening; null if it
// could not be read (the page waits on as it was).
async function reread() {
  try {
    const response = await fetch("/api/invitation", { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) return null;
    invitation = await response.json();
    return invitation;
  } catch {
    return null;
  }
}

// The token this tab kept no longer works (the grace period ran out, a removal): join afresh.
export function ask(app, text) {
  if (!invitation || app.joined) return;
  show($("join-view"), true);
  if (text) error(text);
}

function error(text) {
  setText($("join-error"), text);
  show($("join-error"), true);
  $("join-submit").disabled = false;
}

// A hello the meeting refused: the socket stays open for a corrected one. Too early (the
// organiser moved the start after the page asked, say): wait for the opening it names, then join.
export function refused(app, code, opensAt) {
  error(has(`join.refused_${code}`) ? t(`join.refused_${code}`) : t("join.refused", { code }));
  if (code === "not_open_yet" && typeof opensAt === "number") {
    // The start the opening follows, as the server has it now.
    invitation = { ...invitation, opens_at: opensAt, starts_at: opensAt + invitation.limits.open_before_s };
    waiting.wait(app, invitation, () => opened(app, true), reread);
  }
  if (["bad_token", "no_meeting", "link_revoked", "link_expired"].includes(code)) linkNotice(code);
  if (code === "removed") notice("join.removed_title", "join.removed");
}

export function unreachable(app, event) {
  // A too-early hello's socket timing out while the page waits: joining opens a new one.
  if (failure || waiting.active()) return;
  // 4012: the refusal before it (`meeting_locked`) already says why; the form stays for a retry.
  if (event?.code === CLOSE.MEETING_LOCKED) return;
  // 4010: the network this person is on already holds as many connections as one address may.
  error(t(event?.code === CLOSE.TOO_MANY_SOCKETS ? "join.too_many_sockets" : "join.unreachable"));
}

// What opens the record with this page's link: a moderator link does (docs/record.md).
export function linkRecord() {
  return invitation?.role === "moderator" ? { meeting: invitation.id, token } : null;
}

export function dropDevices() {
  preview?.getTracks().forEach((track) => track.stop());
  preview = null;
}

export function stream() {
  return preview;
}

export function leave() {
  show($("join-view"), false);
  show($("notice-view"), false);
  show($("meeting-view"), true);
  $("join-preview-video").srcObject = null;
}
