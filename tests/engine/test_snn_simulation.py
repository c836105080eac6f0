"""Simulation states apart from learned weights: independent states over one network, private synapse
groups, the spike monitor, the learned part as a state dict, and the strategy argument."""

from __future__ import annotations

import numpy as np
import pytest

from modesnn.snn import STDP, V_INIT, CreationRule, Network

DT = 0.1
N = 90


def fixed_net(seed: int = 3) -> Network:
    """A random network with fixed-weight groups (short and long delays, inhibition) and an empty
    delay-0 "bias" group, built before any state is made."""
    rng = np.random.default_rng(seed)
    net = Network(DT)
    net.add_population("p", N, (rng.uniform(0.02, 0.1, N), 0.2, -65.0, rng.uniform(2, 8, N)))
    for name, k, delays, weight in (("short", 4 * N, (0, 4), 11.0), ("long", 4 * N, (15, 80), 9.0),
                                    ("inhib", 2 * N, (0, 30), -7.0)):
        g = net.add_synapses(name)
        net.connect(g, rng.integers(0, N, k), rng.integers(0, N, k), weight * rng.random(k), rng.integers(*delays, k))
    net.add_synapses("bias")
    return net


def bias_state(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = 40
    return {"pre": rng.integers(0, 10, k), "post": rng.integers(10, N, k), "w": rng.uniform(2, 20, k),
            "delay": np.zeros(k, np.int64)}


def composition(sim, seed: int):
    """A composition-like schedule of one simulation: per window, an input, emitted spikes, a noisy run
    without plasticity and silenced neurons; yields after each window with what it produced."""
    rng = np.random.default_rng(seed)
    sim.group("bias").load_state(bias_state(seed))
    for w in range(12):
        ids = rng.choice(N, 8, replace=False)
        if w % 3 == 2:
            sim.emit(rng.choice(N, 3, replace=False), sim.t + rng.integers(0, 5, 3))
        rec = sim.run(40, ids, rng.uniform(5, 30, ids.size), plastic=False, grow=False, noise=(2.0, seed + 100))
        sim.silence(rng.choice(N, 10, replace=False))
        yield [(int(s), int(i)) for s, i in zip(rec.step, rec.neuron, strict=True)], sim.potential(np.arange(N))


def test_two_simulations_interleaved_give_what_each_gives_alone():
    net = fixed_net()
    weights = {name: g.w.copy() for name, g in net.groups.items()}
    alone = {}
    for seed in (1, 2):
        alone[seed] = list(composition(net.new_state(private=("bias",)), seed))
    a, b = (composition(net.new_state(private=("bias",)), seed) for seed in (1, 2))
    together = {1: [], 2: []}
    for _ in range(12):  # window by window, alternating
        together[1].append(next(a))
        together[2].append(next(b))
    for seed in (1, 2):
        assert sum(len(spikes) for spikes, _ in alone[seed]) > 100
        for (s0, v0), (s1, v1) in zip(alone[seed], together[seed], strict=True):
            assert s0 == s1
            np.testing.assert_array_equal(v0, v1)
    assert [s for s, _ in alone[1]] != [s for s, _ in alone[2]]  # (the two compositions differ)
    for name, g in net.groups.items():  # the shared weights were only read
        np.testing.assert_array_equal(g.w, weights[name])
    assert net.groups["bias"].n == 0  # each private copy stayed with its simulation


def test_a_private_group_takes_the_place_of_the_networks_group_in_dispatch_order():
    """The same synapses in the network's group or in a simulation's private copy give the same spikes (the
    private copy is delivered where the network's group would be)."""
    spikes = []
    for private in (False, True):
        net = fixed_net()
        net.add_synapses("after")  # a group after "bias" in dispatch order
        net.connect(net.groups["after"], np.arange(10), np.arange(10, 20), 5.0, 0)
        sim = net.new_state(private=("bias",) if private else ())
        (sim.group("bias") if private else net.groups["bias"]).load_state(bias_state(4))
        rng = np.random.default_rng(9)
        recs = []
        for _ in range(6):
            ids = rng.choice(N, 8, replace=False)
            recs.append(sim.run(30, ids, rng.uniform(5, 30, ids.size), plastic=False, strategy="stepwise"))
        spikes.append([(r.step.tolist(), r.neuron.tolist()) for r in recs])
    assert spikes[0] == spikes[1] and sum(len(s) for s, _ in spikes[0]) > 30
    with pytest.raises(ValueError, match="private"):
        fixed_net().new_state(private=("nonexistent",))
    with pytest.raises(ValueError, match="not a private group"):
        fixed_net().new_state().group("bias")


def test_a_new_state_starts_at_rest_while_the_default_state_runs_on():
    net = fixed_net()
    net.run(50, np.arange(5), 30.0, plastic=False)
    assert net.t == 50 and net.state.active_ids().size > 0
    sim = net.new_state()
    assert sim.t == 0 and sim.active_ids().size == 0 and sim.queue.empty
    sim.run(50, np.arange(5), 30.0, plastic=False)
    np.testing.assert_array_equal(sim.potential(np.arange(N)), net.potential(np.arange(N)))
    sim.reset()
    assert sim.t == 0 and sim.active_ids().size == 0 and net.t == 50


def test_active_ids_are_the_sorted_neurons_still_moving_in_any_lane():
    net = Network(DT, lanes=3)
    net.add_population("p", 20, (0.1, 0.2, -65.0, 8.0))
    net.run(10, [4, 4, 7], [30.0, 30.0, 30.0], [0, 2, 1], plastic=False)
    assert net.state.active_ids().tolist() == [4, 7]


def test_the_spike_monitor_records_every_window_run_inside_it():
    net = fixed_net()
    sim = net.new_state()
    sim.run(20, [0], [30.0], plastic=False)  # before: not recorded
    with sim.monitor() as mon:
        recs = [sim.run(30, [i], [40.0], plastic=False) for i in range(3)]
    sim.run(20, [1], [30.0], plastic=False)  # after: not recorded
    assert [t0 for t0, _ in mon.windows] == [20, 50, 80]
    np.testing.assert_array_equal(mon.step, np.concatenate([r.step for r in recs]))
    np.testing.assert_array_equal(mon.neuron, np.concatenate([r.neuron for r in recs]))
    assert mon.step.size > 3 and np.all(np.diff(mon.step) >= 0) and np.all(mon.lane == 0)


def _learning_net() -> Network:
    rng = np.random.default_rng(0)
    net = Network(DT, lanes=2)
    net.add_population("p", 40, (0.1, 0.2, -65.0, 8.0))
    g = net.add_synapses("g", STDP(5.0, 1.0, 1.0, 0.0, 20.0))
    net.connect(g, rng.integers(0, 40, 200), rng.integers(0, 40, 200), rng.uniform(0, 8, 200),
                rng.integers(1, 30, 200))
    net.add_rule(CreationRule(net.add_synapses("grown", STDP(5.0, 1.0, 1.0, 0.0, 2.0)), (0,), (0,), 40, 10, 5))
    return net


def test_the_state_dict_carries_the_learned_part_into_a_fresh_network():
    net = _learning_net()
    rng = np.random.default_rng(1)
    for _ in range(8):
        ids = rng.choice(40, 6, replace=False)
        net.run(50, np.tile(ids, 2), rng.uniform(0, 20, 12), np.repeat([0, 1], 6))
    d = net.state_dict()
    assert d["groups.grown.pre"].size > 0 and d["rules.0.keys"].size > 0
    fresh = _learning_net()
    fresh.load_state_dict(d)
    for name, arr in fresh.state_dict().items():
        np.testing.assert_array_equal(arr, d[name], err_msg=name)
    assert fresh.history_steps == net.history_steps
    # the same learned part gives the same run
    net.reset_state()
    a = net.run(200, [1, 2, 3], [30.0, 30.0, 30.0], plastic=False, grow=False)
    b = fresh.run(200, [1, 2, 3], [30.0, 30.0, 30.0], plastic=False, grow=False)
    assert a.neuron.size > 10 and a.step.tolist() == b.step.tolist() and a.neuron.tolist() == b.neuron.tolist()


def test_a_strategy_is_chosen_by_argument_and_refused_where_it_does_not_apply():
    net = _learning_net()
    with pytest.raises(ValueError, match="strategy: must be one of"):
        net.run(10, [0], [30.0], strategy="fast")
    with pytest.raises(ValueError, match="'fixed' does not apply .*plastic"):
        net.run(10, [0], [30.0], strategy="fixed")
    with pytest.raises(ValueError, match="'clamped' does not apply .*not clamped"):
        net.run(10, [0], [30.0], strategy="clamped")
    with pytest.raises(ValueError, match="'prefetched' does not apply .*delay is shorter"):
        net.run(10, [0], [30.0], strategy="prefetched")
    assert net.t == 0  # (refused before anything ran)


def test_every_simulation_follows_populations_added_to_the_network():
    """Neuron ids are lane * n + neuron: when a population is appended, each simulation's state, active set
    and spikes in flight are renumbered, so it runs on as if the population had been there (unreached)."""
    records = []
    for grow_midway in (False, True):
        net = Network(DT)
        net.add_population("p", 30, (0.1, 0.2, -65.0, 8.0))
        if not grow_midway:
            net.add_population("q", 10, (0.02, 0.2, -65.0, 8.0))
        g = net.add_synapses("g")
        net.connect(g, np.arange(10), np.arange(10, 20), 20.0, 25)  # in flight across the growth
        sim = net.new_state(lanes=2)
        recs = [sim.run(20, [0, 1, 2, 0], [30.0] * 4, [0, 0, 0, 1], plastic=False)]
        if grow_midway:
            net.add_population("q", 10, (0.02, 0.2, -65.0, 8.0))
        recs.append(sim.run(40, [3], [30.0], [1], plastic=False))
        records.append(([(r.step.tolist(), r.lane.tolist(), r.neuron.tolist()) for r in recs],
                        sim.potential(np.arange(30), lane=1)))
    assert records[0][0] == records[1][0]
    np.testing.assert_array_equal(records[0][1], records[1][1])
    assert records[0][1][10] != V_INIT and records[0][1][25] == V_INIT  # (the spike in flight arrived)
