"""The sparse per-lane neuron state and the pair-count table: small structures the engine relies on."""

from __future__ import annotations

import numpy as np
import pytest

from modesnn.snn import IZHIKEVICH, SEQUENCE_MEMORY, V_INIT, Network
from modesnn.snn.creation import PairCounts, pair_key
from modesnn.snn.state import NO_STEP, LaneState


def _params(b: np.ndarray):
    return IZHIKEVICH.params((0.1, b, -65.0, 8.0), b.size)


def test_untouched_neurons_read_as_initial_and_writes_keep_other_fields():
    b = np.array([0.2, 0.25, 0.3])
    st = LaneState(IZHIKEVICH, _params(b), lanes=2)
    v, u, ty = st.get(np.array([0, 4]), "v", "u", "ty")
    assert v.tolist() == [V_INIT, V_INIT] and u.tolist() == pytest.approx([0.2 * V_INIT, 0.25 * V_INIT])
    assert ty.tolist() == [NO_STEP, NO_STEP]
    st.set(np.array([4, 1]), v=np.array([-50.0, -60.0]))
    assert st.ids.tolist() == [1, 4]  # stored sorted, only what was touched
    v, u = st.get(np.array([1, 4, 5]), "v", "u")
    assert v.tolist() == [-60.0, -50.0, V_INIT]
    assert u.tolist() == pytest.approx([0.25 * V_INIT, 0.25 * V_INIT, 0.3 * V_INIT])  # untouched fields initial
    full = st.full("v")
    assert full.shape == (6,) and full[[1, 4]].tolist() == [-60.0, -50.0] and (full[[0, 2, 3, 5]] == V_INIT).all()
    st.clear()
    assert st.ids.size == 0 and st.get(np.array([4]), "v")[0][0] == V_INIT


def test_relabelling_after_growth_keeps_each_lanes_values():
    st = LaneState(IZHIKEVICH, _params(np.full(3, 0.2)), lanes=2)
    st.set(np.array([1, 3 + 2]), v=np.array([-1.0, -2.0]))  # lane 0 neuron 1, lane 1 neuron 2
    st.relabel(3, 5, _params(np.full(5, 0.2)))
    assert st.ids.tolist() == [1, 5 + 2] and st.get(np.array([1, 7]), "v")[0].tolist() == [-1.0, -2.0]


def test_a_network_with_many_lanes_stores_only_what_it_touched():
    net = Network(0.1, lanes=64)
    net.add_population("p", 10_000, SEQUENCE_MEMORY)
    net.run(50, [5, 7], [30.0, 30.0], [3, 60])
    assert 2 <= net.state.neurons.ids.size <= 4 and net.state.neurons.nbytes < 10_000
    assert net.potential([5], lane=3)[0] != V_INIT and net.potential([5], lane=4)[0] == V_INIT


def test_pair_counts_merge_and_release_pairs_at_the_threshold():
    pc = PairCounts()
    keys = pair_key([1, 1, 2], [5, 6, 5])
    order = np.argsort(keys)
    made, acc = pc.add(keys[order], np.array([2, 1, 3])[order], np.array([0.5, 0.1, 0.2])[order], threshold=3)
    assert made.tolist() == [int(pair_key(2, 5))] and acc.tolist() == [0.2]
    assert len(pc) == 2 and int(pair_key(1, 5)) in pc and pc[int(pair_key(1, 5))] == (2, 0.5)
    made, acc = pc.add(np.array([int(pair_key(1, 5))]), np.array([1]), np.array([0.25]), threshold=3)
    assert made.tolist() == [int(pair_key(1, 5))] and acc.tolist() == [0.75]
    assert len(pc) == 1 and int(pair_key(1, 5)) not in pc
    with pytest.raises(KeyError):
        pc[int(pair_key(9, 9))]
