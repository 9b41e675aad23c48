// The runtime of a page written by view.save_html(): a small model over the
// saved state (what anywidget's model offers a view: get/set/on/off/
// save_changes/send), driving the same ESM render() as in a notebook, with no
// kernel. Requests are answered from the answers Python computed when saving;
// anything else says, in the view's error box, that it needs Python.
const saved = JSON.parse(document.getElementById("nnw-saved").textContent);

function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return new DataView(out.buffer);
}

// Put each base64 buffer back at its path, as a DataView (what widget managers hand a view).
function withBuffers(part) {
  const state = part.state;
  part.buffer_paths.forEach((path, i) => {
    let obj = state;
    for (const key of path.slice(0, -1)) obj = obj[key];
    obj[path[path.length - 1]] = bytes(part.buffers[i]);
  });
  return state;
}

// Same request, whatever its seq and key order.
function key(request) {
  const norm = (v) => Array.isArray(v) ? v.map(norm)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])])) : v;
  const { seq, ...rest } = request || {};
  return JSON.stringify(norm(rest));
}

class SavedModel {
  constructor(state, answers) {
    this.state = state;
    this.answers = new Map(answers.map((a) => [key(a.request), a]));
    this.listeners = new Map();
    this.dirty = new Set();
  }
  get(name) { return this.state[name]; }
  set(name, value) {
    if (this.state[name] === value) return;
    this.state[name] = value;
    this.dirty.add(name);
    this.emit(`change:${name}`);
  }
  on(event, cb) {
    for (const e of String(event).split(/\s+/)) {
      if (!this.listeners.has(e)) this.listeners.set(e, new Set());
      this.listeners.get(e).add(cb);
    }
  }
  off(event, cb) {
    if (event == null) { this.listeners.clear(); return; }
    for (const e of String(event).split(/\s+/)) {
      if (cb == null) this.listeners.delete(e); else this.listeners.get(e)?.delete(cb);
    }
  }
  emit(event) { for (const cb of [...(this.listeners.get(event) || [])]) cb(); }
  send() {}  // the saved state has its buffers: nothing to resend
  save_changes() {
    const sent = this.dirty.has("_request");
    this.dirty.clear();
    if (sent) queueMicrotask(() => this.answer(this.state._request));
  }
  answer(request) {
    if (!request || request.cancel) return;
    const found = this.answers.get(key(request));
    const changes = found ? withBuffers(structuredClone(found))
      : { error: "This is a saved copy without Python: only what was computed when it was saved can be "
                 + "shown here (view.save_html(path, requests=[...]) saves more answers)." };
    changes._seq = request.seq ?? (this.state._seq + 1);
    for (const [name, value] of Object.entries(changes)) {
      this.state[name] = value;
    }
    for (const name of Object.keys(changes)) this.emit(`change:${name}`);
  }
}

const model = new SavedModel(withBuffers(saved.initial), saved.answers);
const url = URL.createObjectURL(new Blob([saved.esm], { type: "text/javascript" }));
const mod = await import(url);
const view = mod.default ?? mod;
const el = document.getElementById("nnw-view");
view.render({ model, el });
el.dataset.mounted = "true";
