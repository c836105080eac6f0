// The compose page: asks the server for a live composition, follows its event stream, draws the notes
// as a growing piano roll and the spikes as a raster, plays them, then shows the engraved score.
"use strict";
const $ = (id) => document.getElementById(id);
const COLOURS = ["#c0392b", "#2980b9", "#27ae60", "#8e44ad"];
const M = window.modesnn = { events: [], arrivals: [], notes: [], keys: [], done: false, piece: null,
  clickAt: null, firstNoteAt: null, doneAt: null, engravedAt: null, job: null, spikes: [], bands: [] };
let source = null;

async function api(path, options) {
  const res = await fetch(path, options);
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: `server answered ${res.status}` }; }
  if (!res.ok) throw new Error(data.error || `server answered ${res.status}`);
  return data;
}

function fill(select, values, chosen, labels) {
  select.innerHTML = "";
  values.forEach((v, i) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = labels ? labels[i] : v;
    if (v === chosen) o.selected = true;
    select.appendChild(o);
  });
}

// A key is chosen as a tonic (pitch class) and a mode; its name comes from the server's list, so the
// spelling is the conventional one for the mode (F# minor, Gb major).
function keyOf(prefix) {
  return M.config.keys_by_mode[$(prefix + "mode").value][Number($(prefix + "tonic").value)];
}
const pretty = (name) => name.replace(/^([A-G])-/, "$1b");

async function init() {
  const cfg = await api("/api/config");
  M.config = cfg;
  const pcs = [...Array(12).keys()].map(String);
  for (const [prefix, tonic] of [["", "7"], ["new", "2"], ["h", "7"]]) {
    fill($(prefix + "tonic"), pcs, tonic, cfg.tonics);
    fill($(prefix + "mode"), cfg.modes, "major");
  }
  for (const id of ["meter", "hmeter"]) fill($(id), cfg.meters, cfg.default_meter);
  $("length").min = cfg.length[0]; $("length").max = cfg.length[1];
  if (!cfg.harmonize) {
    $("harmonize").disabled = true;
    $("hmessage").textContent = "Harmonising needs modesnn.model.harmonize, which this version does not have yet.";
  }
  $("compose").addEventListener("click", compose);
  $("changekey").addEventListener("click", changeKey);
  $("harmonize").addEventListener("click", harmonise);
  $("mute").addEventListener("change", () => { Synth.muted = $("mute").checked; });
  drawRoll();
}

function say(msg) { $("message").textContent = msg || ""; }

async function compose() {
  say("");
  if (source) { source.close(); source = null; }
  Object.assign(M, { events: [], arrivals: [], notes: [], keys: [], done: false, piece: null, spikes: [],
    bands: [], drawn: 0, rasterScale: null, bandsDrawn: 0, start: null, clickAt: performance.now(), firstNoteAt: null, doneAt: null, engravedAt: null });
  $("score").hidden = true; $("roll").hidden = false; $("downloads").innerHTML = "";
  $("audio").removeAttribute("src"); $("audio").load();
  const tempo = Number($("tempo").value);
  Synth.muted = $("mute").checked;
  Synth.start(tempo);
  const body = { key: keyOf(""), length: $("length").value, seed: $("seed").value, tempo: $("tempo").value,
    meter: $("meter").value, pace: !window.modesnnNoPace };
  let job;
  try {
    job = await api("/api/compose", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) });
  } catch (e) { say(e.message); return; }
  M.job = job.id;
  $("changekey").disabled = false;
  $("status").textContent = `composing in ${pretty(keyOf(""))}`;
  source = new EventSource(job.events);
  source.addEventListener("start", (e) => { const ev = JSON.parse(e.data); M.events.push(ev); M.start = ev; });
  source.addEventListener("notes", (e) => onNotes(JSON.parse(e.data)));
  source.addEventListener("key", (e) => { const ev = JSON.parse(e.data); M.keys.push(ev); M.events.push(ev);
    $("status").textContent = `now in ${pretty(ev.key)}`; drawRoll(); });
  source.addEventListener("done", (e) => onDone(JSON.parse(e.data)));
  source.addEventListener("notice", (e) => { say(JSON.parse(e.data).message); $("changekey").disabled = true; });
  source.addEventListener("error", (e) => {
    if (e.data) { say(JSON.parse(e.data).message); }
    finishStream();
  });
  source.addEventListener("end", finishStream);
}

function finishStream() {
  if (source) { source.close(); source = null; }
  $("changekey").disabled = true;
}

function onNotes(ev) {
  const now = performance.now();
  if (M.firstNoteAt === null && ev.notes.length) M.firstNoteAt = now;
  M.events.push({ type: "notes", n: ev.notes.length });
  for (const n of ev.notes) {
    (M.notes[n.voice] = M.notes[n.voice] || []).push(n);
    M.arrivals.push({ t: now, voice: n.voice, index: n.index });
    Synth.play(n.pitch, n.onset, n.duration);
  }
  if (ev.spikes) addSpikes(ev.spikes);
  scheduleDraw();
}

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; drawRoll(); drawRaster(); });
}

function drawRoll() {
  const c = $("roll"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  let end = M.start ? Math.max(8, M.start.length) : 16, lo = 40, hi = 80;  // (grows past the expected length)
  for (const v of M.notes) for (const n of v || []) {
    end = Math.max(end, n.onset + n.duration);
    if (n.pitch !== null) { lo = Math.min(lo, n.pitch - 2); hi = Math.max(hi, n.pitch + 2); }
  }
  const x = (q) => 40 + (q / end) * (c.width - 50), h = (c.height - 20) / (hi - lo);
  const y = (p) => c.height - 10 - (p - lo) * h;
  g.fillStyle = "#888"; g.font = "11px sans-serif";
  for (let p = Math.ceil(lo / 12) * 12; p <= hi; p += 12) { g.fillText(`C${p / 12 - 1}`, 4, y(p) + 4);
    g.fillStyle = "#eee"; g.fillRect(40, y(p), c.width, 1); g.fillStyle = "#888"; }
  M.notes.forEach((v, i) => {
    g.fillStyle = COLOURS[i % COLOURS.length];
    for (const n of v || []) if (n.pitch !== null) g.fillRect(x(n.onset), y(n.pitch) - h / 2, Math.max(2, x(n.onset + n.duration) - x(n.onset) - 1), Math.max(3, h));
  });
  g.fillStyle = "#000";
  for (const k of M.keys) { g.fillRect(x(k.at), 0, 1, c.height); g.fillText(pretty(k.key), x(k.at) + 3, 12); }
}

function addSpikes(s) {
  s.bands.forEach((b, i) => M.bands.push({ label: b, rank: s.rank[i], lo: Infinity, hi: -Infinity }));
  for (let i = 0; i < s.t.length; i++) {
    const band = M.bands[s.b[i]];
    band.lo = Math.min(band.lo, s.v[i]); band.hi = Math.max(band.hi, s.v[i]);
    M.spikes.push([s.t[i], s.b[i], s.v[i]]);
  }
}

// The raster is drawn incrementally: only spikes not drawn yet, unless a new band or a longer piece than
// expected changes the layout (then everything is redrawn).
function drawRaster() {
  const c = $("raster"), g = c.getContext("2d");
  if (!M.spikes.length || !M.start) return;
  const left = 150, width = c.width - left - 10;
  const lastT = M.spikes[M.spikes.length - 1][0];
  let span = M.rasterScale || (M.start.slot_ms ? M.start.slot_ms * Math.max(8, M.start.length * 1.3) : lastT * 4);
  const full = M.bands.length !== M.bandsDrawn || lastT > span || M.rasterScale === null;
  if (lastT > span) span = lastT * 1.3;
  M.rasterScale = span;
  const bh = (c.height - 10) / M.bands.length, x = (t) => left + (t / span) * width;
  if (full) {
    const cmp = (a, b) => (a.rank[0] - b.rank[0]) || a.rank[1].localeCompare(b.rank[1]);
    const order = M.bands.map((b, i) => i).sort((a, b) => cmp(M.bands[a], M.bands[b]));
    M.row = new Array(M.bands.length); order.forEach((b, i) => { M.row[b] = i; });
    g.clearRect(0, 0, c.width, c.height);
    g.font = `${Math.min(11, Math.max(7, bh - 1))}px sans-serif`;
    order.forEach((b, i) => {
      g.fillStyle = i % 2 ? "#f4f4f4" : "#fff"; g.fillRect(0, 5 + i * bh, c.width, bh);
      g.fillStyle = "#333"; g.fillText(M.bands[b].label, 4, 5 + (i + 0.8) * bh);
    });
    M.drawn = 0; M.bandsDrawn = M.bands.length;
  }
  g.fillStyle = "#1a237e";
  for (let i = M.drawn; i < M.spikes.length; i++) {
    const [t, b, v] = M.spikes[i], band = M.bands[b], range = Math.max(1, band.hi - band.lo);
    g.fillRect(x(t), 5 + M.row[b] * bh + (1 - (v - band.lo) / range) * (bh - 2), 1.5, 1.5);
  }
  M.drawn = M.spikes.length;
}

async function changeKey() {
  if (!M.job) return;
  try {
    await api(`/api/live/${M.job}/key`, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: keyOf("new") }) });
    $("status").textContent = `changing to ${pretty(keyOf("new"))} from the next note`;
  } catch (e) { say(e.message); }
}

function links(span, pid) {
  span.innerHTML = "Download: " + ["mid", "musicxml", "wav", "svg"].map(
    (f) => `<a id="${span.id}-${f}" href="/api/piece/${pid}/${f}" download="modesnn.${f}">${f.toUpperCase()}</a>`).join(" ");
}

async function showScore(div, pid) {
  const res = await fetch(`/api/piece/${pid}/svg`);
  if (!res.ok) throw new Error((await res.json()).error);
  div.innerHTML = await res.text();
  div.hidden = false;
}

async function onDone(ev) {
  M.doneAt = performance.now();
  M.piece = ev.piece;
  M.final = ev;
  M.events.push({ type: "done" });
  finishStream();
  try {
    await showScore($("score"), ev.piece);
    $("roll").hidden = true;
    M.engravedAt = performance.now();
    $("audio").src = `/api/piece/${ev.piece}/wav`;
    links($("downloads"), ev.piece);
    const mods = (ev.modulations || []).map((k) => ` \u2192 ${pretty(k)}`).join("");
    $("status").textContent = `${pretty(ev.key)}${mods}, ${ev.meter}: done`;
  } catch (e) { say(e.message); }
  M.done = true;
}

async function harmonise() {
  $("hmessage").textContent = "";
  const form = new FormData();
  form.append("key", keyOf("h"));
  form.append("meter", $("hmeter").value);
  form.append("tempo", $("tempo").value);
  const file = $("melodyfile").files[0];
  if (file) form.append("file", file); else form.append("notes", $("melody").value);
  try {
    const res = await api("/api/harmonize", { method: "POST", body: form });
    M.harmony = res;
    await showScore($("hscore"), res.piece);
    $("haudio").src = `/api/piece/${res.piece}/wav`;
    links($("hdownloads"), res.piece);
  } catch (e) { $("hmessage").textContent = e.message; }
}

init().catch((e) => say(e.message));
