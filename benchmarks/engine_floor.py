"""How far the engine is from what numpy allows: per-step cost of the engine benchmark's network against
two lower bounds measured in the same process.

    python benchmarks/engine_floor.py --json [--neurons 10000] [--seconds 0.5]

- neuron_update: the Izhikevich update of every neuron, nothing else (the engine's own step function,
  IZHIKEVICH.step_).
- stripped_loop: the same network and dynamics as benchmarks/engine.py (deliveries with delays, STDP on the
  excitatory synapses, bounded weights, synaptic current), written as one flat loop with everything that is
  not per-step numpy work removed: deliveries kept in a ring of arrival steps, incoming synapses looked up
  in prebuilt CSR arrays, no lanes, no withdrawal, no windows, no input checks.  It is a measuring stick,
  not a second engine: tests check the engine, not this loop.
- engine: modesnn.snn.Network on the same network (1 ms windows, as benchmarks/engine.py).

The 8 M synaptic events/s target of the engine at 10k neurons (about 11 Hz, 100 synapses per neuron) is at
most 142 microseconds per 0.1 ms step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine  # noqa: E402
from _common import print_figures  # noqa: E402

from modesnn.snn.neurons import IZHIKEVICH, IzhikevichParams  # noqa: E402


def neuron_update(n: int, steps: int, seed: int) -> float:
    """Seconds for `steps` updates of n regular-spiking neurons under noisy input."""
    rng = np.random.default_rng(seed)
    params = IZHIKEVICH.params(IzhikevichParams(0.02, 0.2, -65.0, 8.0), n)
    state = IZHIKEVICH.initial(params)
    coef = IZHIKEVICH.coefficients(params, 0.1)
    i_syn = np.zeros(n)
    ext = 5.0 * rng.standard_normal(n)
    t0 = time.perf_counter()
    for _ in range(steps):
        IZHIKEVICH.step_(state, (ext, i_syn), coef)
        i_syn *= 0.9
    return time.perf_counter() - t0


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(n + 1))


def _rows(index: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> np.ndarray:
    order, ptr = index
    lo, hi = ptr[ids], ptr[ids + 1]
    count = hi - lo
    total = int(count.sum())
    return order[np.repeat(lo - np.cumsum(count) + count, count) + np.arange(total)]


def stripped_loop(n: int, steps: int, seed: int) -> tuple[float, int]:
    """Seconds and synaptic events for `steps` steps of the engine benchmark's network in one flat loop."""
    net, facts = engine.build(n, 100, seed)
    exc, inh = net.groups["exc"], net.groups["inh"]
    stdp = exc.stdp
    model = net.model
    state = model.initial(net.params)
    coef = model.coefficients(net.params, net.dt)
    i_syn = np.zeros(n)
    dt, syn_decay = net.dt, net.syn_decay
    w, post, delay = exc.w, exc.post, exc.delay
    x, tx = np.zeros(exc.n), np.zeros(exc.n, np.int64)
    y, ty = np.zeros(n), np.zeros(n, np.int64)
    decay = np.exp(-np.arange(200_000) * dt / stdp.tau)
    out_exc, in_exc, out_inh = _csr(exc.pre, n), _csr(post, n), _csr(inh.pre, n)
    ring_len = int(max(exc.max_delay, inh.max_delay)) + 1
    ring: list[list[np.ndarray]] = [[] for _ in range(ring_len)]  # excitatory synapses by arrival step
    ring_inh = np.zeros((ring_len, n))  # inhibitory current by arrival step
    rng = np.random.default_rng(seed + 1)
    gain = np.where(np.arange(n) < facts["excitatory"], 5.0, 2.0)
    thalamic = [gain * rng.standard_normal(n) for _ in range(steps // 10 + 1)]
    spikes = 0
    t0 = time.perf_counter()
    for t in range(steps):
        slot = t % ring_len
        i_syn += ring_inh[slot]
        ring_inh[slot] = 0.0
        if ring[slot]:
            syn = np.concatenate(ring[slot]) if len(ring[slot]) > 1 else ring[slot][0]
            ring[slot] = []
            tgt = post[syn]
            np.add.at(i_syn, tgt, w[syn])
            x[syn] = x[syn] * decay.take(t - tx[syn], mode="clip") + 1.0
            tx[syn] = t
            new = w[syn] - stdp.a_minus * y[tgt] * decay.take(t - ty[tgt], mode="clip")
            w[syn] = np.minimum(np.maximum(new, stdp.w_min), stdp.w_max)
        fired, _ = model.step_(state, (thalamic[t // 10], i_syn), coef)
        if fired.size:
            spikes += fired.size
            out = _rows(out_exc, fired)
            if out.size:
                arrival = (t + delay[out]) % ring_len
                order = np.argsort(arrival, kind="stable")
                arrival, out = arrival[order], out[order]
                cuts = np.flatnonzero(np.diff(arrival)) + 1
                for part, at in zip(np.split(out, cuts), arrival[np.r_[0, cuts]].tolist(), strict=True):
                    ring[at].append(part)
            out = _rows(out_inh, fired)
            np.add.at(ring_inh, ((t + inh.delay[out]) % ring_len, inh.post[out]), inh.w[out])
            into = _rows(in_exc, fired)
            new = w[into] + stdp.a_plus * x[into] * decay.take(t - tx[into], mode="clip")
            w[into] = np.minimum(np.maximum(new, stdp.w_min), stdp.w_max)
            y[fired] = y[fired] * decay.take(t - ty[fired], mode="clip") + 1.0
            ty[fired] = t
        i_syn *= syn_decay
    wall = time.perf_counter() - t0
    return wall, spikes * 100


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--neurons", type=int, default=10000)
    ap.add_argument("--seconds", type=float, default=0.5, help="simulated time of each measurement")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.neurons < 10 or args.seconds <= 0:
        ap.error("--neurons must be >= 10 and --seconds > 0")
    steps = int(round(args.seconds * 10_000))
    update_s = neuron_update(args.neurons, steps, args.seed)
    loop_s, loop_events = stripped_loop(args.neurons, steps, args.seed)
    net, facts = engine.build(args.neurons, 100, args.seed)
    _, events, engine_s, _ = engine.simulate(net, facts["excitatory"], args.seconds, args.seed)
    result = {
        "neurons": args.neurons,
        "steps": steps,
        "neuron_update_us_per_step": round(update_s / steps * 1e6, 1),
        "stripped_loop_us_per_step": round(loop_s / steps * 1e6, 1),
        "stripped_loop_events_per_s": round(loop_events / loop_s, 1),
        "engine_us_per_step": round(engine_s / steps * 1e6, 1),
        "engine_events_per_s": round(events / engine_s, 1),
        "target_us_per_step_for_8M": round(events / 8e6 / steps * 1e6, 1),
    }
    print_figures(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
