"""Background noise from a counter-based generator keyed by (seed, step, lane, neuron): the same for a
neuron whichever other neurons are stepped, whichever strategy runs the window, and normally distributed."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from modesnn.snn import Network
from modesnn.snn.noise import CounterNoise

DT = 0.1


def _pair_net(lanes: int = 1) -> Network:
    net = Network(DT, lanes=lanes)
    net.add_population("p", 50, (0.1, 0.2, -65.0, 8.0))
    return net


def test_a_neurons_noise_does_not_change_when_another_neuron_joins_the_active_set():
    """Neuron 3 alone, then with neurons 40 and 7 (unconnected) stimulated too: its membrane potential
    over every step, noise included, is the same."""
    traces = []
    for others in ([], [40, 7]):
        net = _pair_net()
        ids = [3, *others]
        trace = []
        for _ in range(60):
            net.run(1, ids, [4.0] * len(ids), plastic=False, noise=(30.0, 11))
            trace.append(float(net.potential([3])[0]))
        traces.append(trace)
    assert traces[0] == traces[1]
    assert len(set(traces[0])) > 50  # (the noise moved it: every step a different value)
    # another seed, another trace
    net = _pair_net()
    net.run(60, [3], [4.0], plastic=False, noise=(30.0, 12))
    assert float(net.potential([3])[0]) != traces[0][-1]


def test_noise_is_the_same_by_every_strategy_and_window_split():
    """With noise, the fixed local table and step by step give the same spikes and state, and one window of
    60 steps gives what 6 windows of 10 give (with the generator-drawn noise neither held)."""
    results = []
    for strategy, windows in (("stepwise", 1), ("fixed", 1), ("fixed", 6)):
        rng = np.random.default_rng(2)
        net = Network(DT, lanes=2)
        net.add_population("p", 60, (rng.uniform(0.02, 0.1, 60), 0.2, -65.0, rng.uniform(2, 8, 60)))
        g = net.add_synapses("g")
        net.connect(g, rng.integers(0, 60, 300), rng.integers(0, 60, 300), 8.0 * rng.random(300),
                    rng.integers(0, 20, 300))
        spikes = []
        for _ in range(windows):
            rec = net.run(60 // windows, np.tile(np.arange(20), 2), 3.0, np.repeat([0, 1], 20), plastic=False,
                          noise=(40.0, 5), strategy=strategy)
            spikes += sorted(zip(rec.step.tolist(), rec.lane.tolist(), rec.neuron.tolist(), strict=True))
        results.append((spikes, net.v.copy(), net.u.copy()))
    assert len(results[0][0]) > 20
    for spikes, v, u in results[1:]:
        assert spikes == results[0][0]
        np.testing.assert_array_equal(v, results[0][1])
        np.testing.assert_array_equal(u, results[0][2])


def test_counter_noise_is_standard_normal_and_uncorrelated():
    z = CounterNoise(1.0, 3).values(np.arange(500), np.repeat([0, 1], 500), np.tile(np.arange(500), 2))
    flat = z.ravel()
    assert z.shape == (500, 1000)
    assert abs(flat.mean()) < 0.005 and abs(flat.std() - 1.0) < 0.005
    nd = NormalDist()
    for q in (1.0, 2.0, 3.0, 3.5):  # both tails, against the normal distribution (5 standard errors)
        p = nd.cdf(-q)
        tol = 5 * np.sqrt(p * (1 - p) / flat.size)
        assert abs(np.mean(flat < -q) - p) < tol and abs(np.mean(flat > q) - p) < tol
    assert abs(np.corrcoef(z[:-1].ravel(), z[1:].ravel())[0, 1]) < 0.01  # step to step
    assert abs(np.corrcoef(z[:, :499].ravel(), z[:, 1:500].ravel())[0, 1]) < 0.01  # neuron to neuron
    assert abs(np.corrcoef(z[:, :500].ravel(), z[:, 500:].ravel())[0, 1]) < 0.01  # lane to lane
    # a subset asked alone gets the same values
    part = CounterNoise(1.0, 3).values(np.array([7, 300]), np.array([1, 0]), np.array([42, 499]))
    np.testing.assert_array_equal(part, z[[7, 300]][:, [542, 499]])
    np.testing.assert_allclose(CounterNoise(2.5, 3).values(np.array([7, 8]), np.array([1, 0]), np.array([42, 3])),
                               2.5 * z[[7, 8]][:, [542, 3]], rtol=1e-12)


@pytest.mark.parametrize("noise, message", [
    ((1.0, np.random.default_rng(0)), "seed must be an integer"),
    ((1.0, -1), "seed must be an integer"),
    ((1.0, 2.5), "seed must be an integer"),
    ((float("nan"), 1), "sigma must be a finite number"),
    ((-1.0, 1), "sigma must be a finite number"),
    (1.0, r"must be \(sigma, seed\)"),
])
def test_bad_noise_arguments_are_refused_with_the_argument_named(noise, message):
    net = _pair_net()
    with pytest.raises(ValueError, match=f"noise: {message}"):
        net.run(5, [0], [1.0], noise=noise)
    assert net.t == 0
