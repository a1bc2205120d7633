// What this browser remembers of how a meeting treated it, so that a removal or a demotion still
// holds when the same link is opened again (docs/protocol.md, "Removal and demotion"): the resume
// token it held then, signed by the server, shown with every hello on that link.
const KEY = "plenum.standing";

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? {};
  } catch {
    return {}; // storage off or unreadable: nothing is remembered
  }
}

function change(link, update) {
  const all = load();
  all[link] = update({ ...all[link] });
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage full or off: the removal holds on the server for this session only
  }
}

// The hello fields for this link: `removed` and `demoted`, where this browser was told of them.
export function shown(link) {
  const { removed, demoted } = load()[link] ?? {};
  return { ...(removed ? { removed } : {}), ...(demoted ? { demoted } : {}) };
}

// A removal is never forgotten: closed with 4003 (removed, or a resume refused as removed).
export function removed(link, resumeToken) {
  if (link && resumeToken) change(link, (kept) => ({ ...kept, removed: resumeToken }));
}

// Every change of our own role. Any role but moderator is kept as a demotion: the server only
// heeds it with a moderator link, where it is one. Made moderator again, it is forgotten.
export function roleChanged(link, role, resumeToken) {
  if (!link || !resumeToken) return;
  change(link, ({ demoted, ...kept }) => (role === "moderator" ? kept : { ...kept, demoted: resumeToken }));
}
