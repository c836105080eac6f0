// A small WebAudio synthesiser for the live sound: one triangle oscillator per note with a short
// attack and release.  Written for modesnn; needs no soundfont and no network access.
"use strict";
const Synth = {
  ctx: null, t0: null, spb: 0.75, muted: false, master: null,
  start(tempo) {
    if (!this.ctx) {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      this.ctx = new AC();
      this.master = this.ctx.createGain();
      this.master.gain.value = 0.18;
      this.master.connect(this.ctx.destination);
    }
    if (this.ctx.state === "suspended") this.ctx.resume();
    this.t0 = null;
    this.spb = 60 / tempo;
  },
  stop() { if (this.master) { this.master.disconnect(); this.master = null; this.ctx.close(); this.ctx = null; } },
  play(pitch, onset, duration) {
    if (!this.ctx || !this.master || this.muted || pitch === null) return;
    const now = this.ctx.currentTime;
    if (this.t0 === null) this.t0 = now + 0.1;
    const start = Math.max(now, this.t0 + onset * this.spb);
    const end = start + Math.max(0.08, duration * this.spb * 0.95);
    const osc = this.ctx.createOscillator();
    const env = this.ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
    env.gain.setValueAtTime(0, start);
    env.gain.linearRampToValueAtTime(0.25, start + 0.02);
    env.gain.setValueAtTime(0.25, Math.max(start + 0.02, end - 0.05));
    env.gain.linearRampToValueAtTime(0, end);
    osc.connect(env).connect(this.master);
    osc.start(start);
    osc.stop(end + 0.02);
  },
};
