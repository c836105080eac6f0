"""Composition as a session: step by step, the same piece as compose(); a causal end never takes a note back."""

from __future__ import annotations

import pytest

from modesnn.errors import ComposeError
from modesnn.export import midi_bytes
from modesnn.model import ComposeSession, ComposeSettings, compose
from modesnn.music import measure_length
from modesnn.theory import parse_key


def test_stepping_a_session_gives_the_piece_compose_gives(shte_model):
    key = parse_key("D minor")
    session = ComposeSession(shte_model, key, ComposeSettings(length=20), seed=4)
    steps = []
    while not session.done:
        steps.append(session.step())
    assert len(steps) == 20
    assert all(len(s) == shte_model.config.voices for s in steps)
    assert [d.voice for d in steps[3]] == list(range(shte_model.config.voices))
    piece = session.finish()
    assert midi_bytes(piece) == midi_bytes(compose(shte_model, key, length=20, seed=4))


def test_causal_end_never_changes_a_returned_note(shte_model):
    key = parse_key("A major")
    session = ComposeSession(shte_model, key, ComposeSettings(length=24, end="causal"), seed=2)
    returned = {v: [] for v in range(4)}
    for step in session:
        for d in step:
            assert d.index == len(returned[d.voice])
            returned[d.voice].append(d.note)
    piece = session.finish()
    for v, voice in enumerate(piece.voices):
        assert list(voice.notes) == returned[v]
        assert len(voice.notes) > 24  # at least one note after the 24th, to reach the barline on the tonic chord
    ends = {round(v.notes[-1].onset + v.notes[-1].duration, 6) for v in piece.voices}
    assert len(ends) == 1
    bar = measure_length(piece.meter)
    assert (ends.pop() / bar) % 1 == pytest.approx(0)
    assert piece.voices[-1].notes[-1].pitch % 12 == key.tonic
    triad = {(key.tonic + d) % 12 for d in (0, 4, 7)}
    assert all(v.notes[-1].pitch % 12 in triad for v in piece.voices)


def test_set_key_drives_the_new_key_from_the_next_step(shte_model):
    from modesnn.evaluate.keyfinding import find_key_music21_compatible
    from modesnn.music import Piece, Voice

    session = ComposeSession(shte_model, parse_key("C major"), ComposeSettings(length=48), seed=1)
    for _ in range(16):
        session.step()
    session.set_key(parse_key("E- major"))
    second = [[] for _ in range(4)]
    for step in session:
        for d in step:
            second[d.voice].append(d.note)
    piece = session.finish()
    assert piece.meta["modulations"] == [(16, "E- major")]
    tail = Piece("tail", parse_key("E- major"), tuple(Voice(f"v{v}", tuple(n)) for v, n in enumerate(second)),
                 piece.meter)
    found = find_key_music21_compatible(tail).key
    assert (found.tonic, found.mode) == (3, "major")


def test_a_session_rejects_what_the_model_cannot_do(shte_model):
    with pytest.raises(ComposeError, match="dorian"):
        ComposeSession(shte_model, parse_key("D dorian"))
    session = ComposeSession(shte_model, parse_key("C major"), ComposeSettings(length=2))
    session.finish()
    with pytest.raises(ComposeError, match="finished"):
        session.step()
    with pytest.raises(ComposeError, match="dorian"):
        ComposeSession(shte_model, parse_key("C major")).set_key(parse_key("D dorian"))


def test_two_sessions_over_one_model_interleaved_give_the_pieces_they_give_alone(shte_model):
    """Each session owns its simulation state and its key -> pitch synapses: stepping two at once, one step of
    each in turn, changes nothing in either."""
    alone = [compose(shte_model, parse_key(k), length=16, seed=s) for k, s in (("G minor", 3), ("E- major", 5))]
    a = ComposeSession(shte_model, parse_key("G minor"), ComposeSettings(length=16), seed=3)
    b = ComposeSession(shte_model, parse_key("E- major"), ComposeSettings(length=16), seed=5)
    while not (a.done and b.done):
        for s in (a, b):
            if not s.done:
                s.step()
    assert [midi_bytes(a.finish()), midi_bytes(b.finish())] == [midi_bytes(p) for p in alone]
