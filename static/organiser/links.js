// The meeting's links, one per role, each with a copy button, and revoked and reissued after a
// confirmation: the old link is then refused, those who joined with it stay.
import { $, el, setText } from "../dom.js";
import { t } from "../i18n.js";
import * as api from "./api.js";
import { announce, confirm, dateTime } from "./page.js";

export const ROLES = ["moderator", "presenter", "participant"];

// Copies a link, and says so; where the clipboard is refused, the link is selected to copy by hand.
export async function copy(input, what) {
  try {
    await navigator.clipboard.writeText(input.value);
    announce(t("organiser.copied", { what }));
  } catch {
    input.focus();
    input.select();
    announce(t("organiser.copy_by_hand", { what }));
  }
}

export function render(meetingId, answer, onReissue) {
  setText($("links-valid"), answer.valid_until == null ? "" : t("organiser.links_valid", { when: dateTime(answer.valid_until) }));
  const byRole = Object.fromEntries(answer.links.map((link) => [link.role, link]));
  $("links").replaceChildren(...ROLES.filter((role) => byRole[role]).map((role) => {
    const what = t(`organiser.link_${role}`);
    const input = el("input", { id: `link-${role}`, class: "link", readonly: true, value: byRole[role].link });
    return el("li", { class: "org-link" },
      el("label", { for: `link-${role}` }, what),
      input,
      el("div", { class: "row" },
        el("button", { type: "button", onclick: () => copy(input, what) }, t(`organiser.copy_${role}`)),
        el("button", { type: "button", class: "reissue", onclick: () => reissue(meetingId, byRole[role], onReissue) }, t(`organiser.reissue_${role}`))));
  }));
}

// `link`: the role's, as the API listed it; it becomes the new one, for the next drawing.
async function reissue(meetingId, link, onReissue) {
  const role = link.role;
  const what = t(`organiser.link_${role}`);
  const sure = await confirm(t("organiser.reissue_title", { what }), t("organiser.reissue_text"), "organiser.reissue_confirm");
  if (!sure) return;
  const fresh = await onReissue(() => api.reissue(meetingId, role));
  if (!fresh) return;
  Object.assign(link, fresh);
  const input = $(`link-${role}`);
  input.value = fresh.link;
  announce(t("organiser.reissued", { what }));
  input.focus();
  input.select();
}
