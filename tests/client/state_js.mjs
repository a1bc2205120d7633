// Runs recorded sessions through static/state.js as app.js does: a welcome (its limits and
// snapshot), then every event the viewer received, then all of them once more, as a replay after
// a resume would bring them. Reads [{ limits, you, snapshot, events }] as JSON on stdin; writes
// [{ state, applied, replayed }] as JSON on stdout. The one argument: the path of state.js, in a
// copy of static/ beside a package.json that says its .js files are ES modules (static/ has none).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { Meeting } = await import(pathToFileURL(process.argv[2]).href);

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
