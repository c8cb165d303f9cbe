// Drawing together: strokes live in the document's `strokes` map (id -> stroke), so concurrent strokes
// and deletions merge. Undo/redo act on this tab's own strokes only: undo deletes one's last stroke,
// redo puts it back; other people's strokes are never touched.
import { Automerge } from "@automerge/automerge-repo/slim";

export function bindCanvas({ handle, canvas, undoButton, redoButton, colorInput, widthInput, me }) {
  const ctx = canvas.getContext("2d");
  const done = []; // ids of own strokes, oldest first
  const undone = []; // own strokes taken back, latest last
  let current = null;

  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    return [Math.round(((e.clientX - r.left) * canvas.width) / r.width), Math.round(((e.clientY - r.top) * canvas.height) / r.height)];
  };

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    canvas.setPointerCapture(e.pointerId);
    current = { color: colorInput.value, width: Number(widthInput.value), points: [point(e)] };
    draw();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!current) return;
    current.points.push(point(e));
    draw();
  });
  const finish = () => {
    if (!current) return;
    const stroke = current;
    current = null;
    if (stroke.points.length === 1) stroke.points.push([...stroke.points[0]]); // a click draws a dot
    const id = `${me.peerId}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 6)}`;
    put(id, {
      author: scalar(me.sub),
      color: scalar(stroke.color),
      width: stroke.width,
      t: Date.now(),
      // One scalar per stroke: a list of numbers would cost an Automerge operation per coordinate.
      points: scalar(stroke.points.map((p) => p.join(",")).join(" ")),
    });
    done.push(id);
    undone.length = 0;
    buttons();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  function put(id, stroke) {
    handle.change((d) => {
      if (!d.strokes) d.strokes = {};
      d.strokes[id] = stroke;
    });
  }

  function undo() {
    const strokes = handle.doc().strokes ?? {};
    while (done.length) {
      const id = done.pop();
      if (!strokes[id]) continue; // someone cleared it meanwhile
      undone.push({ id, stroke: plain(strokes[id]) });
      handle.change((d) => delete d.strokes[id]);
      break;
    }
    buttons();
  }

  function redo() {
    const last = undone.pop();
    if (last) {
      const { author, color, points } = last.stroke;
      put(last.id, { ...last.stroke, author: scalar(author), color: scalar(color), points: scalar(points) });
      done.push(last.id);
    }
    buttons();
  }

  function buttons() {
    undoButton.disabled = done.length === 0;
    redoButton.disabled = undone.length === 0;
  }

  undoButton.addEventListener("click", undo);
  redoButton.addEventListener("click", redo);
  canvas.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z") return;
    e.preventDefault();
    e.shiftKey ? redo() : undo();
  });

  function draw() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const strokes = Object.entries(handle.doc().strokes ?? {})
      .map(([id, s]) => ({ id, ...s }))
      .sort((a, b) => (a.t ?? 0) - (b.t ?? 0) || (a.id < b.id ? -1 : 1));
    for (const s of strokes) line(s.color, s.width, parse(String(s.points ?? "")));
    if (current) line(current.color, current.width, current.points);
    canvas.dataset.strokes = String(strokes.length);
    canvas.setAttribute("aria-label", `Drawing canvas, ${strokes.length} strokes. Drag to draw; Ctrl+Z undoes your last stroke.`);
  }

  function line(color, width, points) {
    if (points.length === 0) return;
    ctx.strokeStyle = /^#[0-9a-f]{3,8}$/i.test(String(color)) ? String(color) : "#000";
    ctx.lineWidth = Math.min(Math.max(Number(width) || 1, 1), 64);
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }

  handle.on("change", draw);
  buttons();
  draw();
}

function parse(text) {
  return text.split(" ").map((p) => p.split(",").map(Number)).filter((p) => p.length === 2 && p.every(Number.isFinite));
}

const scalar = (text) => new Automerge.ImmutableString(text);

function plain(stroke) {
  return { author: String(stroke.author), color: String(stroke.color), width: stroke.width, t: stroke.t, points: String(stroke.points) };
}
