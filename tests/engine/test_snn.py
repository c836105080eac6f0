"""The spiking engine (modesnn.snn) against exact, hand-derived expectations.

Spikes are forced where a test needs them by a one-step pulse of PULSE current: from rest (v = -65,
u = -13) one Euler step adds dt * (PULSE - 3) mV, far past the 30 mV threshold, and after the reset
(v = c, u += d) the neuron only relaxes, so each pulse is exactly one spike at the chosen step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from modesnn.snn import (
    SEQUENCE_MEMORY,
    STDP,
    V_INIT,
    CreationRule,
    IzhikevichParams,
    Network,
    izhikevich_step,
)

DT = 0.1
PULSE = 2000.0
TAU = 5.0


def pulses(n_steps: int, plan: dict[int, list[int]]) -> tuple[list[int], np.ndarray]:
    """neurons and a (n_steps, len(neurons)) current array with one PULSE at each planned step:
    plan maps neuron -> steps (relative to the window) at which it must fire."""
    neurons = sorted(plan)
    cur = np.zeros((n_steps, len(neurons)))
    for j, nid in enumerate(neurons):
        for k in plan[nid]:
            cur[k, j] = PULSE
    return neurons, cur


def fired(record) -> list[tuple[int, int, int]]:
    return sorted(zip(record.step.tolist(), record.lane.tolist(), record.neuron.tolist(), strict=True))


def stdp_dw(s_steps: int, a: float = 1.0) -> float:
    """The STDP rule of model.md section 3 for s in steps (s >= 0 potentiates)."""
    s = s_steps * DT
    return a * math.exp(-s / TAU) if s >= 0 else -a * math.exp(s / TAU)


def pair_net(w0: float = 1.0, delay: int = 3, a: float = 0.5, w_min: float = 0.0, w_max: float = 10.0,
             lanes: int = 1, tau_syn: float = 5.0):
    net = Network(DT, lanes=lanes, tau_syn=tau_syn)
    net.add_population("p", 2, SEQUENCE_MEMORY)
    g = net.add_synapses("g", STDP(TAU, a, a, w_min, w_max))
    net.connect(g, [0], [1], w0, delay)
    return net, g


# -- neurons -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("current, count", [(20, 2), (30, 2), (40, 3), (50, 3), (60, 4), (100, 6)])
def test_spike_count_of_one_neuron_in_a_5_ms_window(current, count):
    net = Network(DT)
    net.add_population("p", 1, IzhikevichParams(0.1, 0.2, -65.0, 8.0))
    assert net.v[0] == -65.0 and net.u[0] == pytest.approx(0.2 * -65.0)
    rec = net.run(50, [0], [current])
    assert rec.neuron.size == count


def test_izhikevich_step_matches_a_hand_computed_sequence():
    # a 0.1, b 0.2, c -65, d 8; v0 -65, u0 -13; I = 503; dt = 0.1.
    # step 1: v = -65 + 0.1 (169 - 325 + 140 + 13 + 503) = -15;  u = -13 + 0.01 (0.2 (-15) + 13) = -12.9
    # step 2: v = -15 + 0.1 (9 - 75 + 140 + 12.9 + 503) = 43.99 -> spike
    #         u = -12.9 + 0.01 (0.2 * 43.99 + 12.9) = -12.68302 (with the new v), then reset: v = -65, u = -4.68302
    # step 3: v = -65 + 0.1 (169 - 325 + 140 + 4.68302 + 503) = -15.831698
    #         u = -4.68302 + 0.01 (0.2 (-15.831698) + 4.68302) = -4.667853196
    params = (0.1, 0.2, -65.0, 8.0)
    v, u, i = np.array([-65.0]), np.array([-13.0]), np.array([503.0])
    expected = [(-15.0, -12.9, False), (-65.0, -4.68302, True), (-15.831698, -4.667853196, False)]
    for ev, eu, espike in expected:
        v_in, u_in = v.copy(), u.copy()
        v, u, spiked = izhikevich_step(v, u, i, params, DT)
        assert v[0] == pytest.approx(ev, abs=1e-9)
        assert u[0] == pytest.approx(eu, abs=1e-9)
        assert bool(spiked[0]) is espike
        assert v_in[0] != v[0] or u_in[0] != u[0]  # new arrays, inputs untouched
    # Elementwise with per-neuron parameters: a second neuron with no input stays below threshold.
    v, u, spiked = izhikevich_step(np.array([-65.0, -65.0]), np.array([-13.0, -13.0]), np.array([503.0, 0.0]),
                                   (np.array([0.1, 0.02]), 0.2, -65.0, 8.0), DT)
    assert v.tolist() == pytest.approx([-15.0, -65.3])
    assert u[1] == pytest.approx(-13.0 + 0.1 * 0.02 * (0.2 * -65.3 + 13.0))
    assert not spiked.any()


def test_network_step_agrees_with_izhikevich_step():
    net = Network(DT)
    net.add_population("p", 3, (np.array([0.02, 0.1, 0.02]), np.array([0.2, 0.2, 0.25]), -60.0, 4.0))
    currents = np.array([12.0, 503.0, 40.0])
    v, u = net.v.copy(), net.u.copy()
    for _ in range(30):
        net.run(1, [0, 1, 2], currents)
        v, u, _ = izhikevich_step(v, u, currents, net.params, DT)
        np.testing.assert_array_equal(net.v, v)
        np.testing.assert_array_equal(net.u, u)


def test_pulse_gives_exactly_one_spike_at_the_chosen_step():
    net = Network(DT)
    net.add_population("p", 3, SEQUENCE_MEMORY)
    ids, cur = pulses(40, {0: [3], 1: [17], 2: [5, 30]})
    rec = net.run(40, ids, cur)
    assert fired(rec) == [(3, 0, 0), (5, 0, 2), (17, 0, 1), (30, 0, 2)]


# -- STDP ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [0, 3])
@pytest.mark.parametrize("gap", [20, 3, 1, 0, -1, -2, -20, -45])
def test_stdp_pair_changes_the_weight_by_the_exponential_window(gap, delay):
    """s = t_post - t_pre - delay, in steps; the weight changes by +A exp(-s/tau) or -A exp(s/tau).
    (Delay 0 included: such spikes were once never delivered at all.)"""
    a, w0 = 0.5, 1.0
    net, g = pair_net(w0, delay, a)
    t_pre = 50
    t_post = t_pre + delay + gap
    ids, cur = pulses(150, {0: [t_pre], 1: [t_post]})
    rec = net.run(150, ids, cur)
    assert fired(rec) == sorted([(t_pre, 0, 0), (t_post, 0, 1)])
    assert g.w[0] == pytest.approx(w0 + stdp_dw(gap, a), abs=1e-9)


def test_stdp_at_s_zero_counts_once_as_potentiation():
    net, g = pair_net(1.0, 3, 0.5)
    ids, cur = pulses(40, {0: [10], 1: [13]})
    net.run(40, ids, cur)
    assert g.w[0] == pytest.approx(1.5, abs=1e-12)


def test_stdp_is_all_to_all():
    """Two pre spikes and two post spikes: the four pairs add up."""
    delay, a = 4, 0.25
    net, g = pair_net(2.0, delay, a)
    pre, post = [20, 60], [30, 50]
    ids, cur = pulses(150, {0: pre, 1: post})
    net.run(150, ids, cur)
    expected = 2.0 + sum(stdp_dw(q - p - delay, a) for p in pre for q in post)
    assert g.w[0] == pytest.approx(expected, abs=1e-9)


def test_stdp_clips_to_w_max_and_w_min():
    net, g = pair_net(9.8, 3, 0.5, w_min=0.0, w_max=10.0)
    ids, cur = pulses(60, {0: [10], 1: [13]})
    net.run(60, ids, cur)
    assert g.w[0] == 10.0
    net, g = pair_net(0.2, 3, 0.5, w_min=0.0, w_max=10.0)
    ids, cur = pulses(60, {0: [20], 1: [12]})
    net.run(60, ids, cur)
    assert g.w[0] == 0.0
    # A negative lower bound is honoured too.
    net, g = pair_net(-1.8, 3, 0.5, w_min=-2.0, w_max=10.0)
    ids, cur = pulses(60, {0: [20], 1: [12]})
    net.run(60, ids, cur)
    assert g.w[0] == -2.0


def test_plastic_false_leaves_weights_alone():
    net, g = pair_net(1.0, 3, 0.5)
    ids, cur = pulses(60, {0: [10], 1: [15]})
    net.run(60, ids, cur, plastic=False)
    assert g.w[0] == 1.0


def test_weights_are_clipped_at_creation():
    net, g = pair_net(50.0, 3, 0.5, w_max=10.0)
    assert g.w[0] == 10.0


# -- delays ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delay", [0, 1, 37])
def test_spike_arrives_exactly_delay_steps_later(delay):
    """The target (held active by a small current) is watched step by step against a twin without the synapse:
    its synaptic current jumps at step t_pre + delay (after that step: w exp(-dt/tau_syn)), and its membrane
    first differs at the step the current first enters the Euler update (t_pre + delay, or + 1 for delay 0,
    since a delay-0 spike arrives after that step's update)."""
    w, t_pre, tau_syn = 4.0, 10, 5.0
    nets = []
    for with_synapse in (True, False):
        net = Network(DT, tau_syn=tau_syn)
        net.add_population("p", 2, SEQUENCE_MEMORY)
        g = net.add_synapses("g")
        if with_synapse:
            net.connect(g, [0], [1], w, delay)
        nets.append(net)
    first_v_change = t_pre + max(delay, 1)
    for step in range(t_pre + delay + 20):
        for net in nets:
            rec = net.run(1, [0, 1], [PULSE if step == t_pre else 0.0, 2.0])
            assert rec.neuron.tolist() == ([0] if step == t_pre else [])
        syn_net, twin = nets
        if step < t_pre + delay:
            assert syn_net.i_syn[1] == 0.0, step
        elif step == t_pre + delay:
            assert syn_net.i_syn[1] == pytest.approx(w * math.exp(-DT / tau_syn), abs=1e-12)
        if step < first_v_change:
            assert syn_net.v[1] == twin.v[1], step
        else:
            assert syn_net.v[1] > twin.v[1], step
    # nothing left in flight
    assert syn_net.state.queue.empty


def test_synaptic_current_decays_with_tau_syn_or_stays_on():
    for tau_syn, factor in ((5.0, math.exp(-DT / 5.0)), (math.inf, 1.0)):
        net = Network(DT, tau_syn=tau_syn)
        net.add_population("p", 2, SEQUENCE_MEMORY)
        g = net.add_synapses("g")
        net.connect(g, [0], [1], 3.0, 2)
        net.run(1, [0], [PULSE])
        net.run(2)
        values = []
        for _ in range(5):
            net.run(1)
            values.append(net.i_syn[1])
        assert values == pytest.approx([3.0 * factor ** k for k in range(2, 7)], rel=1e-12)


def test_delays_in_one_run_and_step_by_step_agree():
    rng = np.random.default_rng(3)
    n = 40

    def build():
        net = Network(DT)
        net.add_population("p", n, SEQUENCE_MEMORY)
        g = net.add_synapses("g", STDP(TAU, 0.3, 0.3, 0.0, 20.0))
        net.connect(g, rng_pre, rng_post, rng_w, rng_d)
        return net, g

    rng_pre, rng_post = rng.integers(0, n, 300), rng.integers(0, n, 300)
    rng_w, rng_d = rng.uniform(0, 12, 300), rng.integers(0, 60, 300)
    ids = np.arange(n)
    cur = rng.uniform(0, 15, n)
    a, ga = build()
    whole = a.run(200, ids, cur)
    b, gb = build()
    parts = [b.run(1, ids, cur) for _ in range(200)]
    assert fired(whole) == sorted(s for r in parts for s in fired(r))
    np.testing.assert_allclose(ga.w, gb.w, rtol=0, atol=1e-12)


# -- synapse creation ------------------------------------------------------------------------------------
def creation_net(threshold=5, candidates=None, delay=4, window=10):
    net = Network(DT)
    net.add_population("pre", 4, SEQUENCE_MEMORY, tag=1)  # ids 0..3
    net.add_population("post", 4, SEQUENCE_MEMORY, tag=2)  # ids 4..7
    g = net.add_synapses("grown", STDP(TAU, 0.5, 0.5, 0.0, 10.0))
    rule = net.add_rule(CreationRule(g, (1,), (2,), delay, window, threshold, candidates))
    return net, g, rule


def pairs(g) -> set[tuple[int, int]]:
    return set(zip(g.pre.tolist(), g.post.tolist(), strict=True))


def test_synapse_appears_after_exactly_threshold_coincidences():
    """Every 100-step window: 0 -> 4 coincide (s = +3 steps, inside the +-10 window); 1 -> 5 miss by one step
    (s = 11); 2 -> 6 coincide but the pair is rejected by `candidates`; 3 and 7 fire with no partner.  Every
    other pair, within a window and across consecutive windows, is more than 10 steps off."""
    seen = []

    def candidates(pre, post, lane):
        seen.append((pre.copy(), post.copy(), lane.copy()))
        return pre != 2

    delay, window = 4, 10
    net, g, rule = creation_net(5, candidates, delay, window)
    plan = {0: [10], 4: [10 + delay + 3],
            1: [40], 5: [40 + delay + window + 1],
            2: [70], 6: [70 + delay],
            3: [95], 7: [85]}
    ids, cur = pulses(100, plan)
    for k in range(1, 7):
        rec = net.run(100, ids, cur)
        assert rec.neuron.size == len(plan)  # one spike per pulse, nothing else
        if k < 5:
            assert g.n == 0, f"synapse created after {k} coincidences"
            assert (0 << 32 | 4) in rule.counts
        else:
            assert pairs(g) == {(0, 4)}, k
    assert g.delay.tolist() == [delay]
    assert (1 << 32 | 5) not in rule.counts and (2 << 32 | 6) not in rule.counts
    # The callback saw the coincident pairs as arrays, the lane included.
    pre, post, lane = seen[0]
    assert isinstance(pre, np.ndarray) and pre.shape == post.shape == lane.shape
    assert {(2, 6), (0, 4)} <= set(zip(pre.tolist(), post.tolist(), strict=True))


def test_a_rule_with_per_pair_delays_creates_each_synapse_with_its_own_delay():
    """delay_of gives pair (0, 4) a delay of 5 steps and pair (1, 5) one of 30; (2, 6) is no candidate.
    Each pair fires at its own delay, (3, 7) fires at (0, 4)'s delay but is no candidate either."""
    net = Network(DT)
    net.add_population("pre", 4, SEQUENCE_MEMORY, tag=1)
    net.add_population("post", 4, SEQUENCE_MEMORY, tag=2)
    g = net.add_synapses("grown", STDP(TAU, 0.5, 0.5, 0.0, 10.0))
    table = {(0, 4): 5, (1, 5): 30}

    def delay_of(pre, post, lane):
        return np.array([table.get((a, b), -1) for a, b in zip(pre.tolist(), post.tolist(), strict=True)])

    net.add_rule(CreationRule(g, (1,), (2,), 5, 3, 2, delay_of=delay_of, max_delay=30))
    ids, cur = pulses(100, {0: [10], 4: [15], 1: [20], 5: [50], 2: [60], 6: [65], 3: [70], 7: [75]})
    net.run(100, ids, cur)
    assert g.n == 0
    net.run(100, ids, cur)
    assert {(a, b, d) for a, b, d in zip(g.pre.tolist(), g.post.tolist(), g.delay.tolist(), strict=True)} \
        == {(0, 4, 5), (1, 5, 30)}
    with pytest.raises(ValueError, match="max_delay"):
        net.add_rule(CreationRule(g, (1,), (2,), 5, 3, 2, delay_of=delay_of))


def test_pairs_at_the_window_edge_count_and_one_past_it_do_not():
    delay, window = 4, 10
    net, g, rule = creation_net(1, None, delay, window)
    ids, cur = pulses(100, {0: [30], 4: [30 + delay - window], 1: [60], 5: [60 + delay + window + 1]})
    net.run(100, ids, cur)
    assert pairs(g) == {(0, 4)}
    assert g.delay.tolist() == [delay]


def test_created_synapse_starts_with_the_stdp_of_the_pairs_that_made_it():
    net, g, rule = creation_net(1, None, 4, 10)
    ids, cur = pulses(100, {0: [10], 4: [17]})
    net.run(100, ids, cur)
    assert g.w[0] == pytest.approx(stdp_dw(17 - 10 - 4, 0.5), abs=1e-9)


def test_grow_false_counts_nothing():
    net, g, rule = creation_net(1, None, 4, 10)
    ids, cur = pulses(100, {0: [10], 4: [17]})
    net.run(100, ids, cur, grow=False)
    assert g.n == 0 and not rule.counts


def test_creation_does_not_duplicate_existing_synapses():
    net, g, rule = creation_net(1, None, 4, 10)
    ids, cur = pulses(100, {0: [10], 4: [17]})
    for _ in range(3):
        net.run(100, ids, cur)
    assert g.n == 1


# -- lanes -------------------------------------------------------------------------------------------------
def random_population(n: int, lanes: int, rng: np.random.Generator) -> Network:
    """n neurons with Izhikevich a and d drawn from rng (a then d), b 0.2, c -65."""
    net = Network(DT, lanes=lanes)
    net.add_population("p", n, (rng.uniform(0.02, 0.1, n), 0.2, -65.0, rng.uniform(2, 8, n)))
    return net


def random_net(lanes: int, seed: int = 0, n: int = 60, plastic_w_max: float = 15.0):
    rng = np.random.default_rng(seed)
    net = random_population(n, lanes, rng)
    g = net.add_synapses("g", STDP(TAU, 0.2, 0.25, 0.0, plastic_w_max))
    k = 8 * n
    net.connect(g, rng.integers(0, n, k), rng.integers(0, n, k), rng.uniform(0, 10, k), rng.integers(1, 50, k))
    return net, g, rng


def test_two_lanes_with_the_same_input_give_identical_spikes():
    net, g, rng = random_net(2)
    ids = rng.choice(net.n, 15, replace=False)
    cur = rng.uniform(5, 30, ids.size)
    spikes = []
    for _ in range(4):
        rec = net.run(100, np.concatenate([ids, ids]), np.concatenate([cur, cur]), np.repeat([0, 1], ids.size))
        spikes.append(rec)
    total = 0
    for rec in spikes:
        l0 = sorted(zip(rec.step[rec.lane == 0].tolist(), rec.neuron[rec.lane == 0].tolist(), strict=True))
        l1 = sorted(zip(rec.step[rec.lane == 1].tolist(), rec.neuron[rec.lane == 1].tolist(), strict=True))
        assert l0 == l1
        total += len(l0)
    assert total > 50  # the recurrent synapses did carry activity
    np.testing.assert_array_equal(net.v[: net.n], net.v[net.n:])


def test_spikes_do_not_cross_lanes():
    net, g, rng = random_net(3, plastic_w_max=40.0)
    ids = rng.choice(net.n, 15, replace=False)
    rec = net.run(300, ids, np.full(ids.size, 30.0), np.ones(ids.size, np.int64))
    assert rec.neuron.size > 0 and set(rec.lane.tolist()) == {1}
    assert set(rec.neuron.tolist()) - set(ids.tolist())  # recurrent spread inside lane 1
    n = net.n
    for lane in (0, 2):
        assert np.all(net.i_syn[lane * n:(lane + 1) * n] == 0.0)
        assert np.all(net.v[lane * n:(lane + 1) * n] == V_INIT)


def test_stdp_from_two_lanes_adds_up():
    delay, a = 3, 0.5
    single = {}
    for name, lane_plan in (("lane0", [(0, 20, 26)]), ("lane1", [(1, 20, 12)]),
                            ("both", [(0, 20, 26), (1, 20, 12)]), ("same", [(0, 20, 26), (1, 20, 26)])):
        net, g = pair_net(5.0, delay, a, lanes=2)
        ids, lanes, cur = [], [], []
        for lane, t_pre, t_post in lane_plan:
            col = np.zeros((80, 2))
            col[t_pre, 0] = PULSE
            col[t_post, 1] = PULSE
            ids += [0, 1]
            lanes += [lane, lane]
            cur.append(col)
        net.run(80, ids, np.concatenate(cur, axis=1), lanes)
        single[name] = g.w[0] - 5.0
    assert single["lane0"] == pytest.approx(stdp_dw(26 - 20 - delay, a), abs=1e-9)
    assert single["lane1"] == pytest.approx(stdp_dw(12 - 20 - delay, a), abs=1e-9)
    assert single["both"] == pytest.approx(single["lane0"] + single["lane1"], abs=1e-9)
    assert single["same"] == pytest.approx(2 * single["lane0"], abs=1e-9)


# -- clamping ----------------------------------------------------------------------------------------------
def test_clamped_input_alone_sets_firing_but_stdp_still_happens():
    delay, a = 2, 0.5
    records = {}
    weights = {}
    for clamped in (False, True):
        net = Network(DT)
        net.add_population("p", 2, SEQUENCE_MEMORY)
        g = net.add_synapses("g", STDP(TAU, a, a, 0.0, 1000.0))
        net.connect(g, [0], [1], 400.0, delay)  # strong enough to fire neuron 1 on its own
        ids, cur = pulses(100, {0: [10, 50], 1: [80]})
        records[clamped] = fired(net.run(100, ids, cur, clamped=clamped))
        weights[clamped] = g.w[0]
    assert records[True] == [(10, 0, 0), (50, 0, 0), (80, 0, 1)]
    assert set(records[False]) > set(records[True])  # unclamped, the synapse drives neuron 1 as well
    # Clamped, STDP saw exactly the pulses: two pre spikes (arriving at 12 and 52) and one post spike at 80.
    expected = 400.0 + stdp_dw(80 - 10 - delay, a) + stdp_dw(80 - 50 - delay, a)
    assert weights[True] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("lanes", [1, 3])
def test_clamped_windows_batched_and_step_by_step_agree(lanes):
    """A clamped window's synaptic side is computed after its neurons ran (strategy "clamped"); step
    by step gives the same spikes, weights, traces and created synapses, with delays from 0 up, several
    windows, lanes, clipping at both bounds and a creation rule."""
    results = []
    for strategy in ("stepwise", "clamped"):
        rng = np.random.default_rng(7)
        n = 50
        net = random_population(n, lanes, rng)
        g = net.add_synapses("g", STDP(TAU, 2.0, 2.5, 0.0, 6.0))
        k = 6 * n
        net.connect(g, rng.integers(0, n, k), rng.integers(0, n, k), rng.uniform(0, 6, k), rng.integers(0, 120, k))
        fixed = net.add_synapses("fixed")
        net.connect(fixed, rng.integers(0, n, k), rng.integers(0, n, k), 5.0, 0)
        grown = net.add_synapses("grown", STDP(TAU, 1.0, 1.0, 0.0, 10.0))
        net.add_rule(CreationRule(grown, (0,), (0,), 0, 20, 3))
        spikes = []
        for _ in range(10):
            ids = rng.choice(n, 12, replace=False)
            cur = rng.uniform(0, 60, (50, ids.size)) * (rng.random((50, ids.size)) < 0.7)
            rec = net.run(50, np.tile(ids, lanes), np.tile(cur, (1, lanes)), np.repeat(np.arange(lanes), ids.size),
                          clamped=True, strategy=strategy)
            spikes.append(fired(rec))
        x, tx = net.state.traces["g"]
        results.append((spikes, g.w.copy(), grown.state(), net.y.copy(), net.ty.copy(), x[:, :g.n].copy(),
                        tx[:, :g.n].copy()))
    (s0, w0, gr0, y0, ty0, x0, tx0), (s1, w1, gr1, y1, ty1, x1, tx1) = results
    assert s0 == s1 and sum(len(s) for s in s0) > 100
    np.testing.assert_allclose(w1, w0, rtol=0, atol=1e-9)
    assert np.any(w0 == 0.0) and np.any(w0 == 6.0)  # both bounds were hit
    assert gr0["pre"].size > 0
    for f in ("pre", "post", "delay"):
        np.testing.assert_array_equal(gr1[f], gr0[f])
    np.testing.assert_allclose(gr1["w"], gr0["w"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(y1, y0, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ty1, ty0)
    np.testing.assert_allclose(x1, x0, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(tx1, tx0)


@pytest.mark.parametrize("lanes", [1, 2])
def test_fixed_weight_windows_through_the_local_table_and_step_by_step_agree(lanes):
    """Without STDP or creation a window runs through a local synapse table (strategy "fixed"); step
    by step through the queue gives the same spikes and state, with delays from 0 to beyond the window,
    chains of short delays, emitted spikes, withdrawn spikes and neurons that wake up mid-window."""
    results = []
    for strategy in ("stepwise", "fixed"):
        rng = np.random.default_rng(11)
        n = 80
        net = random_population(n, lanes, rng)
        for name, k, delays, weight in (("short", 5 * n, (0, 3), 12.0), ("long", 5 * n, (20, 90), 9.0),
                                        ("inhib", 2 * n, (0, 40), -8.0)):
            g = net.add_synapses(name)
            net.connect(g, rng.integers(0, n, k), rng.integers(0, n, k), weight * rng.random(k),
                        rng.integers(*delays, k))
        spikes, states = [], []
        for w in range(8):
            ids = rng.choice(n, 6, replace=False)
            lane = np.repeat(np.arange(lanes), ids.size)
            if w % 3 == 1:
                net.emit(rng.choice(n, 4, replace=False), net.t + rng.integers(0, 10, 4), lane=lanes - 1)
            rec = net.run(30, np.tile(ids, lanes), rng.uniform(0, 25, ids.size * lanes), lane, plastic=False,
                          strategy=strategy)
            spikes.append(fired(rec))
            if w % 2:  # withdraw some senders' spikes in flight (queued or still waiting to be sorted)
                net.silence(rng.choice(n, 10, replace=False), lane=lanes - 1)
            states.append((net.v.copy(), net.u.copy(), net.i_syn.copy(), np.sort(net.active)))
        results.append((spikes, states))
    (s0, st0), (s1, st1) = results
    assert s0 == s1 and sum(len(s) for s in s0) > 150
    for a, b in zip(st0, st1, strict=True):
        for x, y in zip(a[:3], b[:3], strict=True):
            np.testing.assert_allclose(y, x, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(b[3], a[3])


@pytest.mark.parametrize("lanes", [1, 2])
def test_prefetched_windows_and_step_by_step_agree(lanes):
    """A window shorter than every delay takes its deliveries from the queue at once (strategy
    "prefetched", which "auto" picks then); step by step gives exactly the same spikes, weights, traces and
    state, with STDP hitting both bounds, a fixed group, spikes emitted between windows, withdrawn spikes, new neurons
    reached mid-window, and windows of every length up to the shortest delay."""
    results = []
    for strategy in ("stepwise", "auto"):
        rng = np.random.default_rng(5)
        n = 120
        net = random_population(n, lanes, rng)
        g = net.add_synapses("g", STDP(TAU, 1.5, 1.8, 0.0, 14.0))
        k = 8 * n
        net.connect(g, rng.integers(0, n, k), rng.integers(0, n, k), rng.uniform(0, 14, k), rng.integers(10, 60, k))
        inh = net.add_synapses("inh")
        net.connect(inh, rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n), -6.0 * rng.random(2 * n),
                    rng.integers(10, 30, 2 * n))
        spikes, states = [], []
        for w in range(40):
            ids = rng.choice(n // 2, 15, replace=False)  # (the other half only hears the network)
            lane = np.repeat(np.arange(lanes), ids.size)
            if w % 7 == 3:
                net.emit(rng.choice(n, 5, replace=False), net.t + rng.integers(-5, 30, 5), lane=lanes - 1)
            if w % 5 == 4:
                net.silence(rng.choice(n, 8, replace=False), lane=0)
            rec = net.run(int(rng.integers(1, 11)), np.tile(ids, lanes), rng.uniform(0, 40, ids.size * lanes), lane,
                          strategy=strategy)
            spikes.append(fired(rec))
            states.append((net.v.copy(), net.u.copy(), net.i_syn.copy(), net.y.copy(), np.sort(net.active)))
        x, tx = net.state.traces["g"]
        results.append((spikes, states, g.w.copy(), x[:, :g.n].copy(), tx[:, :g.n].copy()))
    (s0, st0, w0, x0, tx0), (s1, st1, w1, x1, tx1) = results
    assert s0 == s1 and sum(len(s) for s in s0) > 300
    assert any(i >= n // 2 for s in s0 for _, _, i in s)  # neurons outside the stimulated half fired
    for a, b in zip(st0, st1, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(w1, w0)
    assert np.any(w0 == 0.0) and np.any(w0 == 14.0)  # both bounds were hit
    np.testing.assert_array_equal(x1, x0)
    np.testing.assert_array_equal(tx1, tx0)


# -- cost grows with activity ------------------------------------------------------------------------------
def test_only_active_neurons_are_stepped():
    n = 100_000
    net = Network(DT)
    net.add_population("p", n, SEQUENCE_MEMORY)
    g = net.add_synapses("g")
    stim = np.arange(0, 100, 10)  # 10 neurons
    targets = np.arange(50_000, 50_050)  # 5 targets each
    net.connect(g, np.repeat(stim, 5), targets, 20.0, 5)
    rec = net.run(50, stim, np.full(stim.size, 30.0))
    assert rec.neuron.size > 0
    touched = np.union1d(stim, targets)
    # Only the stimulated neurons and the targets of their spikes were ever stepped: everyone else is still at
    # exactly the initial state, and only those are carried into the next window.
    untouched = np.setdiff1d(np.arange(n), touched)
    assert np.all(net.v[untouched] == V_INIT) and np.all(net.u[untouched] == 0.2 * V_INIT)
    assert np.all(net.v[targets] != V_INIT)  # the targets were reached and stepped
    assert set(net.active.tolist()) <= set(touched.tolist())
    assert net.active.size <= touched.size
    # Without input the active set drains to nothing.
    for _ in range(40):
        net.run(50)
    assert net.active.size == 0
    # Stimulating everyone makes everyone active: the cost follows the input, not the size.
    net.run(1, np.arange(n), np.full(n, 5.0))
    assert net.active.size == n


def test_quiescent_neurons_keep_their_state_across_windows():
    net = Network(DT)
    net.add_population("p", 3, SEQUENCE_MEMORY)
    net.run(50, [0], [30.0])
    v1 = net.v.copy()
    net.run(50, [1], [30.0])
    assert net.v[2] == V_INIT and net.v[1] != V_INIT
    assert net.v[0] != v1[0]  # still relaxing after its spikes: carried and stepped


# -- bad input ---------------------------------------------------------------------------------------------
def small_net():
    net = Network(DT, lanes=2)
    net.add_population("p", 5, SEQUENCE_MEMORY)
    g = net.add_synapses("g", STDP())
    return net, g


@pytest.mark.parametrize("call, word", [
    (lambda net, g: net.connect(g, [0], [1], 1.0, -1), "delay"),
    (lambda net, g: net.connect(g, [0], [1], 1.0, np.nan), "delay"),
    (lambda net, g: net.connect(g, [0], [1], 1.0, 1.5), "delay"),
    (lambda net, g: net.connect(g, [0], [1], np.nan, 1), "weight"),
    (lambda net, g: net.connect(g, [0, 1], [1], 1.0, 1), "post"),
    (lambda net, g: net.connect(g, [0, 1], [1, 2], [1.0, 2.0, 3.0], 1), "weight"),
    (lambda net, g: net.connect(g, [0, 1], [1, 2], 1.0, [1, 2, 3]), "delay"),
    (lambda net, g: net.connect(g, [0], [5], 1.0, 1), "pre/post"),
    (lambda net, g: net.connect(g, [-1], [2], 1.0, 1), "pre/post"),
    (lambda net, g: net.connect(g, [np.nan], [2], 1.0, 1), "pre"),
    (lambda net, g: net.add_population("q", 2, (np.nan, 0.2, -65.0, 8.0)), "params.a"),
    (lambda net, g: net.add_population("q", 2, (0.1, 0.2, [-65.0, np.inf], 8.0)), "params.c"),
    (lambda net, g: net.add_population("q", 2, (0.1, 0.2, -65.0, [8.0, 8.0, 8.0])), "params.d"),
    (lambda net, g: net.add_population("q", -1, SEQUENCE_MEMORY), "size"),
    (lambda net, g: net.add_population("p", 1, SEQUENCE_MEMORY), "name"),
    (lambda net, g: net.add_synapses("g"), "name"),
    (lambda net, g: net.add_synapses("h", STDP(tau=7.0)), "stdp.tau"),
    (lambda net, g: net.add_synapses("h", STDP(tau=np.nan)), "stdp.tau"),
    (lambda net, g: net.add_synapses("h", STDP(w_min=2.0, w_max=1.0)), "stdp.w_min"),
    (lambda net, g: net.run(10, [0], [np.nan]), "currents"),
    (lambda net, g: net.run(10, [0], [np.inf]), "currents"),
    (lambda net, g: net.run(10, [0, 1], [1.0, 2.0, 3.0]), "currents"),
    (lambda net, g: net.run(10, [0, 1], np.zeros((9, 2))), "currents"),
    (lambda net, g: net.run(10, [0, 1], np.zeros((10, 3))), "currents"),
    (lambda net, g: net.run(10, [0, 1], [1.0, 2.0], [0]), "lanes"),
    (lambda net, g: net.run(10, [0], [1.0], [2]), "lanes"),
    (lambda net, g: net.run(10, [0], [1.0], [-1]), "lanes"),
    (lambda net, g: net.run(10, [5], [1.0]), "neurons"),
    (lambda net, g: net.run(10, [-1], [1.0]), "neurons"),
    (lambda net, g: net.run(10, [0.5], [1.0]), "neurons"),
    (lambda net, g: net.run(-1), "n_steps"),
    (lambda net, g: net.add_rule(CreationRule(g, (0,), (0,), -1, 5)), "delay"),
    (lambda net, g: net.add_rule(CreationRule(g, (0,), (0,), 1, -5)), "window"),
    (lambda net, g: net.add_rule(CreationRule(g, (0,), (0,), 1, 5, 0)), "threshold"),
    (lambda net, g: net.emit([7], [3]), "neurons"),
    (lambda net, g: net.emit([1], [3], lane=2), "lane"),
    (lambda net, g: Network(dt=np.nan), "dt"),
    (lambda net, g: Network(dt=-0.1), "dt"),
    (lambda net, g: Network(lanes=0), "lanes"),
    (lambda net, g: Network(tau_syn=np.nan), "tau_syn"),
    (lambda net, g: Network(tau_syn=0.0), "tau_syn"),
])
def test_bad_input_is_a_value_error_naming_the_argument(call, word):
    net, g = small_net()
    with pytest.raises(ValueError) as err:
        call(net, g)
    assert str(err.value).startswith(word), str(err.value)


def test_a_rejected_run_changes_nothing():
    net, g = small_net()
    net.connect(g, [0], [1], 1.0, 2)
    net.run(20, [0], [30.0])
    before = (net.t, net.v.copy(), net.u.copy(), g.w.copy())
    with pytest.raises(ValueError):
        net.run(10, [0, 1], [1.0, np.nan])
    assert net.t == before[0]
    np.testing.assert_array_equal(net.v, before[1])
    np.testing.assert_array_equal(net.u, before[2])
    np.testing.assert_array_equal(g.w, before[3])


# -- reset, cancel, emit -----------------------------------------------------------------------------------
def test_reset_state_keeps_synapses_and_restores_the_initial_state():
    net = Network(DT, lanes=2)
    net.add_population("a", 3, SEQUENCE_MEMORY)
    net.add_population("b", 2, (0.02, 0.25, -55.0, 4.0))
    g = net.add_synapses("g", STDP(TAU, 0.5, 0.5, 0.0, 50.0))
    net.connect(g, [0, 1, 3], [3, 4, 0], [20.0, 15.0, 10.0], [2, 30, 5])
    net.run(60, [0, 1, 3], [40.0, 40.0, 40.0], [0, 1, 0])
    w = g.w.copy()
    assert g.n == 3 and np.any(net.v != V_INIT)
    net.reset_state()
    np.testing.assert_array_equal(net.v, np.full(10, -65.0))
    np.testing.assert_array_equal(net.u, np.tile([0.2, 0.2, 0.2, 0.25, 0.25], 2) * -65.0)
    assert np.all(net.i_syn == 0.0) and net.active.size == 0
    assert g.n == 3 and np.array_equal(g.w, w)
    # Nothing in flight: a quiet window after the reset stays quiet and leaves the state alone.
    rec = net.run(100)
    assert rec.neuron.size == 0 and np.all(net.v == -65.0) and np.array_equal(g.w, w)
    # And the network behaves as new: the same input gives the same spikes as a fresh copy with these weights.
    fresh = Network(DT, lanes=2)
    fresh.add_population("a", 3, SEQUENCE_MEMORY)
    fresh.add_population("b", 2, (0.02, 0.25, -55.0, 4.0))
    fg = fresh.add_synapses("g", STDP(TAU, 0.5, 0.5, 0.0, 50.0))
    fresh.connect(fg, [0, 1, 3], [3, 4, 0], w, [2, 30, 5])
    t0, f0 = net.t, fresh.t
    r1 = net.run(60, [0, 1], [40.0, 40.0])
    r2 = fresh.run(60, [0, 1], [40.0, 40.0])
    assert (r1.step - t0).tolist() == (r2.step - f0).tolist() and r1.neuron.tolist() == r2.neuron.tolist()


def test_cancel_from_drops_spikes_in_flight_in_one_lane():
    net = Network(DT, lanes=2)
    net.add_population("p", 2, SEQUENCE_MEMORY)
    g = net.add_synapses("g")
    net.connect(g, [0], [1], 5.0, 20)
    for queued in (False, True):
        net.reset_state()
        net.run(5, [0, 0], [PULSE, PULSE], [0, 1])  # a spike of neuron 0 in both lanes, in flight
        if queued:  # (an emit first sorts the spikes in flight into the queue)
            net.emit([1], [net.t + 100])
        net.cancel_from([0], lane=0)
        net.run(40)
        assert net.i_syn[1] == 0.0 and net.i_syn[2 + 1] > 0.0, queued


def test_cancel_from_spares_spikes_sent_after_it_and_silence_can_keep_spikes_in_flight():
    """A withdrawal covers the spikes sent before it, also those still waiting to be sorted into the queue;
    a spike of the same neuron sent afterwards arrives.  silence(withdraw=False) resets the sender but its
    spike already sent still arrives."""
    net = Network(DT)
    net.add_population("p", 3, SEQUENCE_MEMORY)
    g = net.add_synapses("g")
    net.connect(g, [0, 2], [1, 1], [5.0, 7.0], 60)
    net.run(1, [0, 2], [PULSE, PULSE])  # one spike each of 0 and 2, due 60 steps later
    net.run(4)
    net.cancel_from([0])
    net.run(1, [0], [PULSE])  # a second spike of 0, after the withdrawal
    net.run(4)
    net.silence([2], withdraw=False)
    assert net.v[2] == V_INIT
    arrivals = []
    for _ in range(70):
        before = net.i_syn[1]
        net.run(1)
        arrivals.append(round(net.i_syn[1] - before * math.exp(-DT / 5.0), 9))
    got = [(k, a) for k, a in enumerate(arrivals) if abs(a) > 1e-6]
    assert [round(a / math.exp(-DT / 5.0), 6) for _, a in got] == [7.0, 5.0]  # 2's spike, then 0's second


def test_a_withdrawal_covers_a_spike_emitted_far_ahead():
    net = Network(DT)
    net.add_population("p", 2, SEQUENCE_MEMORY)
    g = net.add_synapses("g")
    net.connect(g, [0], [1], 5.0, 20)
    net.emit([0], [net.t + 500])  # due long after the network's longest delay
    net.cancel_from([0])
    for _ in range(6):
        net.run(100)
        assert net.i_syn[1] == 0.0


def test_emit_sends_a_spike_without_touching_the_sender():
    net = Network(DT)
    net.add_population("p", 2, SEQUENCE_MEMORY)
    g = net.add_synapses("g")
    net.connect(g, [0], [1], 5.0, 7)
    net.emit([0], [net.t + 3])
    net.run(10)  # steps 0..9
    assert net.i_syn[1] == 0.0
    net.run(1)  # step 10 = 3 + 7
    assert net.i_syn[1] == pytest.approx(5.0 * math.exp(-DT / 5.0))
    assert net.v[0] == V_INIT
