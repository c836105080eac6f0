// The listening test: fetch a blind trial, play its two excerpts, send the answer.
"use strict";
const $ = (id) => document.getElementById(id);
const L = window.modesnnListen = { trial: null, answered: 0, busy: false };

async function api(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}) });
  let data;
  try { data = await res.json(); } catch (e) { data = { error: `server answered ${res.status}` }; }
  if (!res.ok) throw new Error(data.error || `server answered ${res.status}`);
  return data;
}

async function next() {
  $("message").textContent = "";
  L.busy = true;
  try {
    L.trial = await api("/api/listen/trial");
    $("first").src = L.trial.excerpts[0];
    $("second").src = L.trial.excerpts[1];
    $("trialkey").textContent = L.trial.key.replace(/^([A-G])-/, "$1b");
    $("count").textContent = L.answered + 1;
    $("trial").hidden = false;
    $("next").textContent = "Next trial";
  } catch (e) { $("message").textContent = e.message; }
  L.busy = false;
}

async function choose(which) {
  if (!L.trial || L.busy) return;
  L.busy = true;
  try {
    const res = await api("/api/listen/answer", { trial: L.trial.trial, choice: which,
      rater: $("rater").value, experience: $("experience").value });
    L.answered += 1;
    L.trial = null;
    $("thanks").textContent = `Thank you: ${L.answered} answer${L.answered === 1 ? "" : "s"} given.`;
    L.busy = false;
    await next();
  } catch (e) { $("message").textContent = e.message; L.busy = false; }
}

$("next").addEventListener("click", next);
$("choose-first").addEventListener("click", () => choose("first"));
$("choose-second").addEventListener("click", () => choose("second"));
