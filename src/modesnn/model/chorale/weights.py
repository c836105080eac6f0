"""The composition network of a session: the learned synapses, rescaled once per model.

Learned weights count co-activity (STDP on every coincident spike pair), so a chord heard a thousand times
has outgoing weights a hundred times those of a rare one.  Before composing, each group is put through
synaptic scaling: a neuron's outgoing weights onto one target population (a voice's pitches, the chords)
are divided by their largest and taken on a log scale, 1 + ln(w / max) / log_span (0 below), so that they
say how strongly, relative to its other targets, it calls each one (a log-odds: with the background noise,
the spike-count winner-takes-all then samples instead of always taking the most frequent); then multiplied
by the group's gain (`ChoraleConfig.gains`; 'group:voice' for one target voice, 'hold' a factor on synapses
onto hold neurons, 'end' a factor on those of the beats-before-the-end neurons onto chords and of the last
beat's onto the hold neurons; all times `gain_scale`), the balance between memories.
"""

from __future__ import annotations

import numpy as np

from modesnn.model.chorale.frame import END_BEATS
from modesnn.model.chorale.layout import CHORD, HOLD, PITCH, ChoraleLayout
from modesnn.snn import Network


def scaled_weights(model) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per group: (pre, post, weight, delay) after synaptic scaling and gain; cached on the model."""
    cached = getattr(model, "_scaled", None)
    if cached is not None:
        return cached
    lay, gains = model.layout, dict(model.config.gains)
    out = {}
    for name, g in model.groups.items():
        pre, post, w, delay = g.pre.astype(np.int64), g.post.astype(np.int64), g.w.copy(), g.delay.astype(np.int64)
        keep = w > 0
        pre, post, w, delay = pre[keep], post[keep], w[keep], delay[keep]
        target = np.where(lay.kind[post] == CHORD, 0, 1 + lay.voice[post])  # (a voice: its pitches and hold)
        key = pre * 16 + target
        uk, inv = np.unique(key, return_inverse=True)
        top = np.zeros(uk.size)
        np.maximum.at(top, inv, w)
        gain = np.array([gains.get(f"{name}:{v}", gains.get(name, 1.0)) for v in range(-1, model.config.voices)])
        hold = np.array([gains.get(f"hold:{v}", gains.get("hold", 1.0)) for v in range(-1, model.config.voices)])
        gain = gain[lay.voice[post] + 1] * np.where(lay.kind[post] == HOLD, hold[lay.voice[post] + 1], 1.0)
        from_end = (((pre >= lay.end0) & (pre < lay.end0 + END_BEATS) & (lay.kind[post] == CHORD))
                    | ((pre == lay.end0) & (lay.kind[post] == HOLD)))
        gain = model.config.gain_scale * gain * np.where(from_end, gains.get("end", 1.0), 1.0)
        rel = np.maximum(0.0, 1.0 + np.log(w / top[inv]) / model.config.log_span)
        keep = rel > 0
        out[name] = (pre[keep], post[keep], (gain * rel)[keep], delay[keep])
    model._scaled = out
    return out


def reach_table(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, posts): the targets of every neuron's synapses, for finding a decision's candidates."""
    g = net.groups["learned"]
    order = np.argsort(g.pre, kind="stable")
    indptr = np.zeros(net.n + 1, np.int64)
    np.cumsum(np.bincount(g.pre, minlength=net.n), out=indptr[1:])
    return indptr, g.post[order].astype(np.int64)


def composition_net(model, mode: str) -> tuple[Network, ChoraleLayout]:
    """A fresh single-lane network with the model's layout and its scaled synapses (no plasticity).  The
    pitch grids and chord neurons of the other modes are held silent (as the paper holds non-scale key
    neurons silent): their synapses are left out, so they neither fire nor carry anything."""
    c = model.config
    net = Network(dt=c.dt, lanes=1, tau_syn=c.tau_syn)
    lay = ChoraleLayout(net, c.modes, c.voices)
    mi = c.modes.index(mode)
    silent = ((lay.kind == PITCH) | (lay.kind == CHORD)) & (lay.group >= 0) & (lay.group != mi)
    parts = [tuple(a[~silent[pre] & ~silent[post]] for a in (pre, post, w, delay))
             for pre, post, w, delay in scaled_weights(model).values()]
    # (one group: nothing is plastic while composing, and one group is one lookup per spike sent)
    net.connect(net.add_synapses("learned"), *(np.concatenate(x) for x in zip(*parts, strict=True)))
    return net, lay
