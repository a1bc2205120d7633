// Building the page: text only ever goes into textContent and attributes, never into HTML.

export const $ = (id) => document.getElementById(id);

// el("button", { type: "button", class: "x", "aria-label": "…", onclick: f }, "text", child, …)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function show(node, visible) {
  if (node.hidden === visible) node.hidden = !visible;
}

// A person's name as they typed it, in a <bdi> so that its direction cannot reorder the text
// around it, and beside it the badge of a role with powers, in words: a look-alike name alone
// cannot pass for a moderator.
export function setPerson(node, name, badge = "") {
  if (!node.querySelector(":scope > bdi")) {
    node.replaceChildren(el("bdi", { class: "name" }), el("span", { class: "badge" }));
  }
  const [bdi, mark] = node.children;
  setText(bdi, name);
  setText(mark, badge);
  show(mark, Boolean(badge));
}

// Keeps `container`'s children in step with `items`, one element per key, reusing the elements
// that stay: whoever is focused on one (a keyboard user in a list) keeps their place, also when
// it moves (a moved element loses the focus: it is given back, or, where its control can no
// longer take it, a top item's "Up", to the item's first control that can).
export function reconcile(container, items, key, create, update) {
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  const existing = new Map([...container.children].map((child) => [child.dataset.key, child]));
  let previous = null;
  for (const item of items) {
    const k = String(key(item));
    let node = existing.get(k);
    if (node) existing.delete(k);
    else {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    const wanted = previous ? previous.nextSibling : container.firstChild;
    if (wanted !== node) container.insertBefore(node, wanted);
    previous = node;
  }
  for (const node of existing.values()) node.remove();
  if (focused && focused.isConnected && document.activeElement !== focused) {
    focused.focus();
    if (document.activeElement !== focused) {
      const item = [...container.children].find((child) => child.contains(focused));
      [...(item?.querySelectorAll("button, input, select, textarea") ?? [])]
        .find((control) => !control.disabled && control.offsetParent !== null)?.focus();
    }
  }
}

// Replaces a select's options only when they change, so that a keyboard user's choice stays.
export function setOptions(select, options) {
  const signature = JSON.stringify(options);
  if (select.dataset.options === signature) return;
  const value = select.value;
  select.replaceChildren(...options.map(([v, label]) => el("option", { value: v }, label)));
  select.dataset.options = signature;
  if (options.some(([v]) => v === value)) select.value = value;
}
