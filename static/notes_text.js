// A workshop room's notes on the page: plain text with light structure, built as DOM text only
// (textContent), never as HTML, whoever wrote it. A line starting "# " (up to "### ") is a
// heading, "- " or "* " an item of a list, "1. " (any number, or "1)") an item of a numbered
// list; other lines make paragraphs, a blank line ending one. Nothing else is read as markup.
import { el } from "./dom.js";

const HEADING = /^(#{1,3})\s+(.*)$/;
const BULLET = /^[-*]\s+(.*)$/;
const NUMBERED = /^\d{1,9}[.)]\s+(.*)$/;

// The notes' blocks: { kind: "heading", level, text } | { kind: "ul"|"ol", items } |
// { kind: "p", lines }. Pure, for the page and for tests.
export function blocks(text) {
  const out = [];
  let open = null; // the paragraph or list lines are being added to
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    const heading = HEADING.exec(line);
    const bullet = BULLET.exec(line);
    const numbered = NUMBERED.exec(line);
    if (!line.trim()) open = null;
    else if (heading) {
      out.push({ kind: "heading", level: heading[1].length, text: heading[2] });
      open = null;
    } else if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      if (open?.kind !== kind) out.push(open = { kind, items: [] });
      open.items.push((bullet ?? numbered)[1]);
    } else if (open?.kind === "p") open.lines.push(line);
    else out.push(open = { kind: "p", lines: [line] });
  }
  return out;
}

// Fills `container` with the notes, headings from <h{top}> down; only when the text changed, so
// that a screen reader reading them is not interrupted by a render that changes nothing.
const drawn = new WeakMap();

export function renderNotes(container, text, top = 4) {
  if (drawn.get(container) === text) return;
  drawn.set(container, text);
  container.replaceChildren(...blocks(text).map((block) => {
    switch (block.kind) {
      case "heading": return el(`h${Math.min(6, top + block.level - 1)}`, {}, block.text);
      case "ul":
      case "ol": return el(block.kind, {}, ...block.items.map((item) => el("li", {}, item)));
      default: return el("p", {}, block.lines.join("\n"));
    }
  }));
}
