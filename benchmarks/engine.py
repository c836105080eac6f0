"""Speed and memory of the spiking engine on a random Izhikevich (2003) style network.

    python benchmarks/engine.py --neurons 10000 --synapses-per-neuron 100 --seconds 1 --json

The network: 80 % excitatory (regular spiking to chattering, c = -65 + 15 r^2, d = 8 - 6 r^2) and 20 %
inhibitory (fast spiking to low-threshold, a = 0.02 + 0.08 r, b = 0.25 - 0.05 r) neurons; every neuron has
`--synapses-per-neuron` outgoing synapses to random targets with random delays of 1-10 ms; excitatory
synapses are plastic (STDP, bounded), inhibitory ones are fixed.  Each millisecond every neuron gets a new
random "thalamic" current (5 N(0,1) excitatory, 2 N(0,1) inhibitory), held for that millisecond, as in
Izhikevich (2003); the network is run in 1 ms windows.  Weights are scaled with the fan-in (and the synaptic
current decays with tau_syn = 1 ms, the charge of Izhikevich's 1 ms pulse) so the activity stays near
11 Hz whatever the size.  STDP: tau 20 ms, bounded weights.  The time step is the model's 0.1 ms unless
--dt says otherwise (Izhikevich 2003 used 1 ms).  Everything is seeded.

Printed figures: wall time of the simulation only (building the network and its synapse indexes is
build_s), spikes and synaptic events (spike x outgoing synapse) per wall second, peak resident memory of the
whole process (ru_maxrss: Python and numpy alone are about 31 MB), CPU seconds of the simulation.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import peak_rss_mb, print_figures  # noqa: E402

from modesnn.snn import STDP, Network  # noqa: E402


def build(neurons: int, fan_out: int, seed: int, dt: float = 0.1, tau_syn: float = 1.0) -> tuple[Network, dict]:
    """The random network, and facts about it (excitatory count, synapse count)."""
    rng = np.random.default_rng(seed)
    n_exc = int(round(0.8 * neurons))
    n_inh = neurons - n_exc
    re, ri = rng.random(n_exc), rng.random(n_inh)
    net = Network(dt=dt, lanes=1, tau_syn=tau_syn)
    net.add_population("exc", n_exc, (0.02, 0.2, -65.0 + 15.0 * re**2, 8.0 - 6.0 * re**2), tag=0)
    net.add_population("inh", n_inh, (0.02 + 0.08 * ri, 0.25 - 0.05 * ri, -65.0, 2.0), tag=1)
    # Izhikevich (2003): all-to-all, 1000 inputs, exc weights 0.5 U(0,1), inh -U(0,1), each spike a 1 ms pulse.
    # Here: fan_out inputs on average, a current decaying with tau_syn (same charge for tau_syn = 1 ms).
    scale = 1000.0 / fan_out * (1.0 / tau_syn)
    w_max = 1.0 * scale
    exc = net.add_synapses("exc", STDP(tau=20.0, a_plus=0.01 * w_max, a_minus=0.012 * w_max, w_min=0.0, w_max=w_max))
    inh = net.add_synapses("inh")
    steps_per_ms = 1.0 / dt
    for group, lo, count, wfun in (
        (exc, 0, n_exc, lambda k: 0.5 * scale * rng.random(k)),
        (inh, n_exc, n_inh, lambda k: -1.0 * scale * rng.random(k)),
    ):
        if count == 0:
            continue
        # In sixteenths, to keep the temporaries small (the group's capacity doubles: 1, 2, 4, 8, 16).
        chunk = max(1, count // 16)
        for start in range(lo, lo + count, chunk):
            pre = np.repeat(np.arange(start, min(lo + count, start + chunk)), fan_out)
            post = rng.integers(0, neurons, pre.size)
            delay = np.round(rng.integers(1, 11, pre.size) * steps_per_ms).astype(np.int64)  # 1-10 ms
            net.connect(group, pre, post, wfun(pre.size), delay)
    # Build the synapse indexes now (the engine builds them lazily at the first spike): part of building.
    for group in (exc, inh):
        group.outgoing(np.zeros(0, np.int64))
    exc.incoming(np.zeros(0, np.int64))
    return net, {"excitatory": n_exc, "synapses": int(exc.n + inh.n)}


def simulate(net: Network, n_exc: int, seconds: float, seed: int) -> tuple[int, int, float, float]:
    """Run `seconds` of simulated time in 1 ms windows; returns (spikes, synaptic events, wall seconds and
    CPU seconds spent in the engine)."""
    rng = np.random.default_rng(seed + 1)
    n = net.n
    steps_per_ms = int(round(1.0 / net.dt))
    ids = np.arange(n)
    gain = np.where(ids < n_exc, 5.0, 2.0)
    out_degree = np.zeros(n, np.int64)
    for g in net.groups.values():
        out_degree += np.bincount(g.pre, minlength=n)
    spikes = events = 0
    wall = cpu = 0.0
    for _ in range(int(round(seconds * 1000.0))):
        thalamic = gain * rng.standard_normal(n)  # drawn outside the timed part
        t0, c0 = time.perf_counter(), time.process_time()
        rec = net.run(steps_per_ms, ids, thalamic)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        spikes += rec.neuron.size
        events += int(out_degree[rec.neuron].sum())
    return spikes, events, wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--neurons", type=int, default=10000)
    ap.add_argument("--synapses-per-neuron", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=1.0, help="simulated time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dt", type=float, default=0.1, help="time step in ms (the model uses 0.1)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.neurons < 1 or args.synapses_per_neuron < 0 or args.seconds <= 0:
        ap.error("--neurons must be >= 1, --synapses-per-neuron >= 0, --seconds > 0")
    if not (args.dt > 0 and abs(1.0 / args.dt - round(1.0 / args.dt)) < 1e-9):
        ap.error("--dt must divide 1 ms into whole steps (0.1, 0.5, 1.0, ...)")
    t0 = time.perf_counter()
    net, facts = build(args.neurons, args.synapses_per_neuron, args.seed, dt=args.dt)
    build_s = time.perf_counter() - t0
    spikes, events, wall, cpu = simulate(net, facts["excitatory"], args.seconds, args.seed)
    result = {
        "neurons": args.neurons,
        "synapses": facts["synapses"],
        "simulated_s": args.seconds,
        "dt_ms": args.dt,
        "wall_s": round(wall, 3),
        "spikes_per_s": round(spikes / wall, 1),
        "synaptic_events_per_s": round(events / wall, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_s": round(cpu, 3),
        "build_s": round(build_s, 3),
        "spikes": spikes,
        "synaptic_events": events,
        "mean_rate_hz": round(spikes / args.neurons / args.seconds, 2),
    }
    print_figures(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
