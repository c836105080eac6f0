"""An independent oracle for the spiking engine: the same random network simulated in Brian2 2.9.0.

The network: 300 Izhikevich neurons (80 % excitatory, 20 % inhibitory, per-neuron a, b, c, d as in
Izhikevich 2003), 10 random outgoing synapses each with delays of 0-29 steps (a fifth of them 0), the
excitatory ones plastic (all-to-all STDP with exponential traces, bounded weights), the inhibitory ones
fixed, a decaying synaptic current, and a constant random external current into every neuron from t = 0
(every neuron is then stepped at every step by our engine too, which otherwise freezes neurons without
input while Brian2 always integrates them).  100 ms = 1000 steps.

How our step order is written in Brian2 (one step t, slots in Brian2's schedule order):

* before_groups: spikes due now arrive: a synapse with delay k >= 1 is a `pre` pathway with Brian2 delay
  (k - 1) dt moved to the before_groups slot, so a spike of step t (threshold at t, pushed into the queue at
  the start of step t + 1) is delivered at the start of step t + k: `I_syn += w`, pre trace += 1, depression
  by the post trace (post spikes strictly before t);
* groups: v = v + dt (0.04 v^2 + 5 v + 140 - u + I_ext + I_syn), then u = u + dt a (b v - u) with the new v
  (a run_regularly, not Brian2's integrators, which would update u from the old v);
* thresholds: v >= 30;
* synapses: delay-0 synapses deliver (a `zero` pathway with delay 0, order -1: before potentiation), then
  the post pathway (order +1): post trace += 1, potentiation by the pre trace (arrivals up to now: s = 0
  potentiates);
* resets: v = c, u += d;
* after_synapses: I_syn *= exp(-dt / tau_syn) (so a delay-0 arrival decays once before it is felt at t + 1,
  exactly as in our engine).

Both pathways of a synapse see every spike; a flag z (1 for delay-0 synapses) makes exactly one of them act.
The traces are Brian2's event-driven exact exponentials.  Weights are compared to 1e-6 relative; spikes must
be identical (they are: the arithmetic is the same operation for operation, up to ulp-level differences
in the trace exponentials, which have not flipped a spike in any seed tried).
"""

from __future__ import annotations

import numpy as np
import pytest

from modesnn.snn import STDP, Network

b2 = pytest.importorskip("brian2")

DT = 0.1  # ms
STEPS = 1000
TAU_SYN = 5.0
TAU_STDP = 5.0
A_PLUS, A_MINUS, W_MIN, W_MAX = 0.3, 0.35, 0.0, 6.0


def make_network(seed: int, n: int = 300, fan_out: int = 10) -> dict:
    rng = np.random.default_rng(seed)
    n_exc = int(0.8 * n)
    re, ri = rng.random(n_exc), rng.random(n - n_exc)
    spec = {
        "n": n,
        "a": np.concatenate([np.full(n_exc, 0.02), 0.02 + 0.08 * ri]),
        "b": np.concatenate([np.full(n_exc, 0.2), 0.25 - 0.05 * ri]),
        "c": np.concatenate([-65.0 + 15.0 * re**2, np.full(n - n_exc, -65.0)]),
        "d": np.concatenate([8.0 - 6.0 * re**2, np.full(n - n_exc, 2.0)]),
        "i_ext": rng.uniform(0.0, 12.0, n),
    }
    for name, lo, hi, wlo, whi in (("exc", 0, n_exc, 0.0, 3.0), ("inh", n_exc, n, -4.0, 0.0)):
        pre = np.repeat(np.arange(lo, hi), fan_out)
        delay = rng.integers(1, 30, pre.size)
        delay[rng.random(pre.size) < 0.2] = 0
        spec[name] = (pre, rng.integers(0, n, pre.size), rng.uniform(wlo, whi, pre.size), delay)
    return spec


def run_ours(spec: dict) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    net = Network(DT, lanes=1, tau_syn=TAU_SYN)
    net.add_population("p", spec["n"], (spec["a"], spec["b"], spec["c"], spec["d"]))
    exc = net.add_synapses("exc", STDP(TAU_STDP, A_PLUS, A_MINUS, W_MIN, W_MAX))
    inh = net.add_synapses("inh")
    net.connect(exc, *spec["exc"])
    net.connect(inh, *spec["inh"])
    rec = net.run(STEPS, np.arange(spec["n"]), spec["i_ext"])
    return sorted(zip(rec.step.tolist(), rec.neuron.tolist(), strict=True)), exc.w.copy(), inh.w.copy()


def run_brian(spec: dict) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    from brian2 import ms, prefs

    prefs.codegen.target = "numpy"  # no compiler needed
    b2.start_scope()
    b2.defaultclock.dt = DT * ms
    n = spec["n"]
    group = b2.NeuronGroup(
        n, "v : 1\nu : 1\na : 1\nb : 1\nc : 1\nd : 1\nI_ext : 1\nI_syn : 1",
        threshold="v >= 30", reset="v = c\nu = u + d", name="neurons")
    group.a, group.b, group.c, group.d = spec["a"], spec["b"], spec["c"], spec["d"]
    group.I_ext = spec["i_ext"]
    group.v = -65.0
    group.u = spec["b"] * -65.0
    group.run_regularly("v = v + dt_ms * (0.04 * v * v + 5.0 * v + 140.0 - u + I_ext + I_syn)\n"
                        "u = u + dt_ms * a * (b * v - u)", when="groups", name="euler_v_then_u")
    group.run_regularly("I_syn = I_syn * syn_decay", when="after_synapses", name="syn_decay")
    objects = [group]
    synapses = {}
    for order, name in enumerate(("exc", "inh")):
        pre, post, w, delay = spec[name]
        plastic = name == "exc"
        model = "w : 1\nz : 1"
        arrive = "I_syn_post += {k} * w"
        on_post = None
        if plastic:
            model += ("\ndapre/dt = -apre / taupre : 1 (event-driven)"
                      "\ndapost/dt = -apost / taupre : 1 (event-driven)")
            arrive += "\napre += {k}\nw = clip(w - {k} * Am * apost, wmin, wmax)"
            on_post = "apost += 1.0\nw = clip(w + Ap * apre, wmin, wmax)"
        syn = b2.Synapses(group, group, model=model,
                          on_pre={"pre": arrive.format(k="(1 - z)"), "zero": arrive.format(k="z")},
                          on_post=on_post, name=f"s{order}_{name}")
        syn.connect(i=pre, j=post)
        syn.w = w
        syn.z = (delay == 0).astype(float)
        syn.pre.delay = np.maximum(delay - 1, 0) * DT * ms
        syn.pre.when = "before_groups"
        syn.zero.delay = 0 * ms
        synapses[name] = syn
        objects.append(syn)
    monitor = b2.SpikeMonitor(group)
    net = b2.Network(*objects, monitor)
    namespace = {"dt_ms": DT, "syn_decay": np.exp(-DT / TAU_SYN), "taupre": TAU_STDP * ms,
                 "Ap": A_PLUS, "Am": A_MINUS, "wmin": W_MIN, "wmax": W_MAX}
    net.run(STEPS * DT * ms, namespace=namespace)
    steps = np.round(np.asarray(monitor.t / ms) / DT).astype(int)
    spikes = sorted(zip(steps.tolist(), np.asarray(monitor.i).tolist(), strict=True))
    return spikes, np.asarray(synapses["exc"].w).copy(), np.asarray(synapses["inh"].w).copy()


@pytest.mark.parametrize("seed", [7, 11])
def test_engine_matches_brian2(seed):
    spec = make_network(seed)
    ours, w_exc, w_inh = run_ours(spec)
    theirs, b_exc, b_inh = run_brian(spec)
    assert len(ours) > 1000  # an active network: about 4 spikes per neuron in 100 ms
    # Synaptic input matters: without it the firing would differ.
    spec_off = dict(spec, exc=(*spec["exc"][:2], np.zeros_like(spec["exc"][2]), spec["exc"][3]),
                    inh=(*spec["inh"][:2], np.zeros_like(spec["inh"][2]), spec["inh"][3]))
    assert run_ours(spec_off)[0] != ours
    shared = len(set(ours) & set(theirs))
    assert shared == len(ours) == len(theirs), f"{shared} shared of {len(ours)} / {len(theirs)}"
    # STDP: the same weights, and they did move (some to the bounds, many in between).
    np.testing.assert_allclose(w_exc, b_exc, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(w_inh, b_inh)
    moved = np.abs(w_exc - spec["exc"][2]) > 1e-3
    inside = (w_exc > W_MIN + 1e-9) & (w_exc < W_MAX - 1e-9)
    assert moved.mean() > 0.5 and inside.mean() > 0.2
