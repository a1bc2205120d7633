// The organiser's HTTP API from the page: signed in by a session cookie (HttpOnly: the page never
// sees it, nor keeps the password or the admin token it was made with), and every request but a
// GET carries the session's CSRF token, which a form posted from another site cannot.

let csrf = null;

// What went wrong, for the page to say: `status` (0: the server could not be reached), the
// server's `code` and `message` (English, naming the field), and its other fields.
export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error ?? "";
    this.body = body ?? {};
    this.retryAfter = retryAfter;
  }
}

async function send(method, path, { json, raw, type } = {}) {
  const headers = {};
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (raw !== undefined) {
    headers["Content-Type"] = type;
    body = raw;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store", credentials: "same-origin" });
  } catch {
    throw new ApiError(0, null);
  }
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const wait = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, answer, Number.isFinite(wait) && wait > 0 ? wait : null);
  }
  if (answer === null) throw new ApiError(0, null); // a proxy's page, not the API's answer
  return answer;
}

// Whether a session is open already (a reload); it keeps its CSRF token.
export async function resume() {
  try {
    csrf = (await send("GET", "/api/organiser/session")).csrf;
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    throw error;
  }
}

export async function signIn(password) {
  csrf = (await send("POST", "/api/organiser/session", { json: { password } })).csrf;
}

export async function signOut() {
  try {
    await send("DELETE", "/api/organiser/session");
  } finally {
    csrf = null;
  }
}

const meeting = (id) => `/api/meetings/${encodeURIComponent(id)}`;

export const meetings = async () => (await send("GET", "/api/meetings")).meetings;
export const get = (id) => send("GET", meeting(id));
export const create = (fields) => send("POST", "/api/meetings", { json: fields });
export const edit = (id, fields) => send("PATCH", meeting(id), { json: fields });
export const remove = (id) => send("DELETE", meeting(id));
export const setAgenda = (id, agenda) => send("PUT", `${meeting(id)}/agenda`, { json: { agenda } });
export const links = (id) => send("GET", `${meeting(id)}/links`);
export const reissue = (id, role) => send("POST", `${meeting(id)}/links/${encodeURIComponent(role)}/reissue`);
export const invitees = async (id) => (await send("GET", `${meeting(id)}/invitees`)).invitees;
// The file's bytes as they are: the server reads UTF-8 or Windows-1250 and reports by line.
export const importInvitees = (id, file) => send("POST", `${meeting(id)}/invitees`, { raw: file, type: "text/csv" });
export const planInvitee = (id, invitee, room) =>
  send("PATCH", `${meeting(id)}/invitees/${encodeURIComponent(invitee)}`, { json: { room } });
export const exportAddress = (id) => `${meeting(id)}/invitees.csv`;
export const people = async (id) => (await send("GET", `${meeting(id)}/people`)).people;
