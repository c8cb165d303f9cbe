// The document's `text` field in a <textarea>: local edits become Automerge text edits (updateText
// diffs old and new value), remote edits keep the local selection where it was (Automerge cursors),
// and the others' cursors and selections are drawn over the textarea in their colours.
import { Automerge } from "@automerge/automerge-repo/slim";

const PATH = ["text"];

export function bindText({ handle, textarea, layer, mirror, onLocalSelection, onTyping }) {
  let shown = handle.doc();
  textarea.value = textOf(shown);

  textarea.addEventListener("input", () => {
    const value = textarea.value;
    handle.change((d) => {
      if (typeof d.text !== "string") d.text = "";
      Automerge.updateText(d, PATH, value);
    });
    shown = handle.doc();
    onTyping();
    selectionChanged();
  });

  handle.on("change", ({ doc }) => {
    const text = textOf(doc);
    if (text !== textarea.value) showRemote(doc, text);
    shown = doc;
  });

  function showRemote(doc, text) {
    const focused = document.activeElement === textarea;
    const { selectionStart, selectionEnd, selectionDirection } = textarea;
    const start = moved(shown, doc, selectionStart);
    const end = moved(shown, doc, selectionEnd);
    const scroll = textarea.scrollTop;
    textarea.value = text;
    textarea.scrollTop = scroll;
    if (focused || selectionStart !== 0 || selectionEnd !== 0) textarea.setSelectionRange(start, end, selectionDirection);
  }

  // Where the local selection is, as Automerge cursors: they stay with their characters under remote edits.
  let pending = false;
  function selectionChanged() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const doc = handle.doc();
      const { selectionStart: a, selectionEnd: b, selectionDirection } = textarea;
      const head = selectionDirection === "backward" ? a : b;
      const anchor = selectionDirection === "backward" ? b : a;
      onLocalSelection({
        cursor: cursorAt(doc, head),
        selection: a === b ? null : { anchor: cursorAt(doc, anchor), head: cursorAt(doc, head) },
      });
    });
  }
  for (const type of ["keyup", "mouseup", "select", "focus"]) textarea.addEventListener(type, selectionChanged);
  document.addEventListener("selectionchange", () => document.activeElement === textarea && selectionChanged());

  textarea.addEventListener("scroll", () => (mirror.scrollTop = textarea.scrollTop));
  return {
    /** Draws each peer's cursor ({peerId, name, color, cursor, selection}) over the textarea. */
    drawPeers(peers) {
      drawCursors({ doc: handle.doc(), textarea, layer, mirror, peers });
    },
  };
}

function textOf(doc) {
  return typeof doc?.text === "string" ? doc.text : "";
}

function cursorAt(doc, index) {
  try {
    return Automerge.getCursor(doc, PATH, index);
  } catch {
    return null;
  }
}

export function positionOf(doc, cursor) {
  if (typeof cursor !== "string") return null;
  try {
    return Automerge.getCursorPosition(doc, PATH, cursor);
  } catch {
    return null; // a cursor into changes we have not received yet
  }
}

function moved(before, after, index) {
  const cursor = cursorAt(before, index);
  const position = cursor === null ? null : positionOf(after, cursor);
  return position ?? Math.min(index, textOf(after).length);
}

// The mirror is a copy of the textarea's box and text (invisible): ranges in its text node give the
// pixel positions of characters, whatever the wrapping.
function drawCursors({ doc, textarea, layer, mirror, peers }) {
  const text = textOf(doc);
  if (mirror.textContent !== text + "\u200b") mirror.textContent = text + "\u200b";
  mirror.style.width = `${textarea.offsetWidth}px`;
  mirror.style.height = `${textarea.offsetHeight}px`;
  mirror.scrollTop = textarea.scrollTop;
  layer.replaceChildren();
  const node = mirror.firstChild;
  const origin = mirror.getBoundingClientRect();
  for (const peer of peers) {
    const head = positionOf(doc, peer.cursor);
    if (head === null) continue;
    const anchor = peer.selection ? positionOf(doc, peer.selection.anchor) : null;
    if (anchor !== null && anchor !== head) {
      for (const r of rangeRects(node, Math.min(anchor, head), Math.max(anchor, head))) {
        layer.append(box("remote-selection", peer, r, origin));
      }
    }
    const caret = rangeRects(node, head, head)[0] ?? rangeRects(node, head, head + 1)[0];
    if (!caret) continue;
    const el = box("remote-cursor", peer, { left: caret.left, top: caret.top, width: 2, height: caret.height }, origin);
    el.dataset.index = String(head);
    const label = document.createElement("span");
    label.className = "remote-name";
    label.textContent = peer.name;
    label.style.background = peer.color;
    el.append(label);
    layer.append(el);
  }
}

function rangeRects(node, start, end) {
  const range = document.createRange();
  const length = node.length;
  range.setStart(node, Math.min(start, length));
  range.setEnd(node, Math.min(end, length));
  return [...range.getClientRects()];
}

function box(kind, peer, rect, origin) {
  const el = document.createElement("div");
  el.className = kind;
  el.dataset.testid = kind;
  el.dataset.peer = peer.peerId;
  el.style.left = `${rect.left - origin.left}px`;
  el.style.top = `${rect.top - origin.top}px`;
  el.style.width = `${Math.max(rect.width, 2)}px`;
  el.style.height = `${rect.height}px`;
  el.style.background = peer.color;
  return el;
}
