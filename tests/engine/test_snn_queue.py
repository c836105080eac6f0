"""The spike queue's sorted spans: taken a step at a time or a window at a time, in arrival order."""

import numpy as np

from modesnn.snn import STDP
from modesnn.snn.queue import Delivery, Span
from modesnn.snn.synapses import Synapses


def make_span() -> Span:
    # Arrivals at steps 10, 10, 12, 15, 15, 15 (synapses 0-5, already sorted by step).
    group = Synapses("g", STDP(5.0, 1.0, 1.0, 0.0, 1.0))
    at = np.array([10, 10, 12, 15, 15, 15])
    syn = np.arange(6)
    return Span(Delivery(group, syn, np.zeros(6, np.int64), syn + 100, 7), at, [10, 12, 15], [0, 2, 3, 6])


def test_a_span_is_taken_step_by_step_in_arrival_order():
    span = make_span()
    assert span.take(9) is None and not span.done
    first = span.take(10)
    assert first.syn.tolist() == [0, 1] and first.post.tolist() == [100, 101] and first.batch == 7
    assert span.take(10) is None  # (taken once)
    assert span.take(11) is None
    assert span.take(12).syn.tolist() == [2]
    assert span.take(15).syn.tolist() == [3, 4, 5]
    assert span.done and span.last == 15


def test_steps_passed_over_are_dropped():
    span = make_span()
    assert span.take(13) is None  # steps 10 and 12 were due before: never delivered
    assert span.take(15).syn.tolist() == [3, 4, 5]


def test_a_window_takes_every_arrival_before_its_end_with_their_steps():
    span = make_span()
    at, got = span.take_until(10, 15)
    assert at.tolist() == [10, 10, 12] and got.syn.tolist() == [0, 1, 2]
    assert span.take_until(15, 15) is None  # (an empty window)
    at, got = span.take_until(15, 20)
    assert at.tolist() == [15, 15, 15] and got.syn.tolist() == [3, 4, 5] and span.done


def test_synapse_lookups_find_every_synapse_of_the_asked_neurons_in_order():
    """outgoing/incoming against a brute-force scan (in order: by asking position, then synapse id), for no
    id, one, a few (the spikes of one step), many, repeated ids and ids with no synapses, after synapses
    were added in two rounds (a merged index)."""
    rng = np.random.default_rng(3)
    g = Synapses("g")
    pre, post = rng.integers(0, 60, 400), rng.integers(0, 60, 400)
    g.add(pre[:250], post[:250], 1.0, 1)
    g.outgoing(np.zeros(0, np.int64))  # (builds the index; the second round is merged into it)
    g.incoming(np.zeros(0, np.int64))
    g.add(pre[250:], post[250:], 1.0, 1)
    for ids in (np.zeros(0, np.int64), np.array([7]), rng.integers(0, 70, 5), rng.integers(0, 70, 31),
                rng.integers(0, 70, 200), np.array([3, 3, 65, 3])):
        for found, keys in (((g.outgoing(ids)), pre), (g.incoming(ids), post)):
            syn, src = found
            expected = [(i, s) for i, nid in enumerate(ids.tolist()) for s in np.flatnonzero(keys == nid).tolist()]
            assert list(zip(src.tolist(), syn.tolist(), strict=True)) == expected  # in order
