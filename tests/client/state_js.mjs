// Runs recorded sessions through static/state.js as app.js does: a welcome (its limits and
// snapshot), then every event the viewer received, then all of them once more, as a replay after
// a resume would bring them. Reads [{ limits, you, snapshot, events }] as JSON on stdin; writes
// [{ state, applied, replayed }] as JSON on stdout.
import { readFileSync } from "node:fs";

// Imported from its source, not its path: static/ has no package.json saying its .js files are
// ES modules, and a Node without module detection (Debian's 18) would read them as CommonJS.
const source = readFileSync(new URL("../../static/state.js", import.meta.url), "utf-8");
const { Meeting } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

const sessions = JSON.parse(readFileSync(0, "utf-8"));
const results = sessions.map(({ limits, you, snapshot, events }) => {
  const meeting = new Meeting();
  meeting.you = you;
  meeting.limits = limits;
  meeting.load(snapshot);
  const applied = events.map((event) => meeting.apply(event));
  const replayed = events.map((event) => meeting.apply(event));
  return { state: meeting.state, applied, replayed };
});
process.stdout.write(JSON.stringify(results));
