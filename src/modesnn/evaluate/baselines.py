"""Baselines for generated pieces (evaluation.md section 3), trained on exactly the pieces the network learns.

Every baseline follows one protocol: `fit(pieces)` then `generate(key, length, seed)`, where `length` is the
number of notes per voice and `seed` an int; the same inputs give the same piece, bit for bit (all
randomness comes from `numpy.random.default_rng(seed)`; tables are built in sorted order).

Output shape, shared by all baselines: as many voices as the training pieces have (the most common count;
pieces with another count are ignored), the voice names and the meter most common in training, the piece's
key = the requested key (even for the Markov chain, which cannot honour it: the metrics judge the request).

Equal length rule (`align_voices`): each voice is generated with `length` notes; then the end time T is the
first barline at or after the end of the voice that finishes first (bars counted from 0: no pickup).  Every
voice is cut at T (notes starting at or after T are dropped, a note across T is shortened) and a voice that
ends before T has its last note held to T.  So all voices end together on a barline, the voice that
finishes first keeps all `length` notes and gains less than a measure, and the others keep at most
`length`.  Why not keep `length` notes in every voice and stretch the last notes instead: voices with
different rhythms end tens of beats apart (a 45-beat held note was measured for the n-gram on SHTE), which
distorts every duration-weighted metric; `keep_all_notes=True` gives that variant for comparison.

The fourth baseline of evaluation.md (the network with the fixed key -> pitch prior) belongs to the model.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Hashable
from typing import Protocol, runtime_checkable

import numpy as np

from modesnn.evaluate.metrics import SATB_RANGES
from modesnn.music import Piece, align_voices, measure_length, voice_from_durations
from modesnn.theory import Key

Token = tuple[int | None, float]  # (pitch or relative pitch, None = rest; duration in quarter lengths)


@runtime_checkable
class Baseline(Protocol):
    """A generator trained on pieces that writes a piece for a requested key."""

    name: str

    def fit(self, pieces: list[Piece]) -> Baseline: ...

    def generate(self, key: Key, length: int, seed: int) -> Piece: ...


# --- shared helpers -------------------------------------------------------------------------------------


class _Layout:
    """Voice count, voice names and meter taken from the training data (majority)."""

    def __init__(self, pieces: list[Piece]) -> None:
        if not pieces:
            raise ValueError("cannot fit a baseline on no pieces")
        n = Counter(len(p.voices) for p in pieces).most_common(1)[0][0]
        if n == 0:
            raise ValueError("the training pieces have no voices")
        self.pieces = [p for p in pieces if len(p.voices) == n]
        self.n_voices = n
        names = Counter(tuple(v.name for v in p.voices) for p in self.pieces)
        self.voice_names: tuple[str, ...] = min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        meters = Counter(p.meter for p in self.pieces)
        self.meter: str = min(meters.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        measure_length(self.meter)  # validate early


def _check_request(length: int, seed: int) -> None:
    if length < 1:
        raise ValueError(f"length (notes per voice) must be >= 1, got {length}")
    if not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")


def _build_piece(name: str, key: Key, layout: _Layout, tokens: list[list[Token]], source: str) -> Piece:
    voices = [
        voice_from_durations(vname, [p for p, _ in toks], [d for _, d in toks])
        for vname, toks in zip(layout.voice_names, tokens, strict=True)
    ]
    return Piece(name, key, align_voices(voices, layout.meter), layout.meter, key_source="requested",
                 source=source)


def _sorted_states(states: set) -> list:
    """Deterministic order for states that may contain None (rests sort first)."""
    return sorted(states, key=lambda s: tuple((-1 if x is None else 0, x or 0) for x in
                                              (s if isinstance(s, tuple) else (s,))))


class _Table:
    """Transition counts context -> next state, frozen into sorted arrays for seeded sampling."""

    def __init__(self) -> None:
        self.counts: dict[Hashable, Counter] = defaultdict(Counter)

    def add(self, context: Hashable, state: Hashable) -> None:
        self.counts[context][state] += 1

    def freeze(self) -> _Table:
        self.choices = {}
        for ctx, cnt in self.counts.items():
            states = _sorted_states(set(cnt))
            w = np.array([cnt[s] for s in states], dtype=float)
            self.choices[ctx] = (states, w / w.sum())
        return self

    def __contains__(self, context: Hashable) -> bool:
        return context in self.choices

    def sample(self, context: Hashable, rng: np.random.Generator):
        states, p = self.choices[context]
        return states[int(rng.choice(len(states), p=p))]


# --- 1. unconditioned Markov ----------------------------------------------------------------------------


class UnconditionedMarkov:
    """Per voice, independent first-order Markov chains over pitches (rests included) and over durations.

    Why: the floor any key-aware system must beat; the key cannot be asked for, so the requested key only
    labels the output (same seed, any key -> the same notes).  Start: the first pitch and duration of every
    voice of one training piece drawn at random.  A state never followed by anything in training (the end
    of a piece) restarts the chain from the distribution of all observed states of that voice.
    """

    name = "markov"

    def fit(self, pieces: list[Piece]) -> UnconditionedMarkov:
        self.layout = _Layout(pieces)
        n = self.layout.n_voices
        self.pitch = [_Table() for _ in range(n)]
        self.dur = [_Table() for _ in range(n)]
        self.starts: list[list[Token]] = []
        for piece in self.layout.pieces:
            if any(not v.notes for v in piece.voices):
                continue
            self.starts.append([(v.notes[0].pitch, v.notes[0].duration) for v in piece.voices])
            for i, v in enumerate(piece.voices):
                for a, b in zip(v.notes, v.notes[1:], strict=False):
                    self.pitch[i].add(a.pitch, b.pitch)
                    self.dur[i].add(a.duration, b.duration)
                for note in v.notes:
                    self.pitch[i].add("*", note.pitch)
                    self.dur[i].add("*", note.duration)
        if not self.starts:
            raise ValueError("no training piece has notes in every voice")
        for t in self.pitch + self.dur:
            t.freeze()
        return self

    def generate(self, key: Key, length: int, seed: int) -> Piece:
        _check_request(length, seed)
        rng = np.random.default_rng(seed)
        start = self.starts[int(rng.integers(len(self.starts)))]
        tokens = []
        for i in range(self.layout.n_voices):
            p, d = start[i]
            toks = [(p, d)]
            for _ in range(length - 1):
                p = self.pitch[i].sample(p if p in self.pitch[i] else "*", rng)
                d = self.dur[i].sample(d if d in self.dur[i] else "*", rng)
                toks.append((p, d))
            tokens.append(toks)
        return _build_piece(f"{self.name} {key.name} seed {seed}", key, self.layout, tokens, self.name)


# --- 2. key-conditioned n-gram --------------------------------------------------------------------------


def _shift_to_c(tonic: int) -> int:
    """The transposition (-6..+5 semitones) that takes a tonic to C by the shortest way, so that pieces in
    different keys land in the same register after transposition."""
    return -(((tonic + 6) % 12) - 6)


class KeyConditionedNgram:
    """Per mode and per voice, an n-gram over (pitch relative to the tonic, duration), rendered in any key.

    Why: the strongest simple system that can be asked for a key, including keys absent from training.
    Training: every piece is transposed so its tonic is C (by the shortest way, -6..+5 semitones) and counted
    by its mode.  Generation: the first token of every voice comes from one training piece of the mode drawn
    at random (so the opening sonority is a real one); then, per voice, the longest context (n-1 tokens,
    padded with start symbols) seen in training picks the next token, backing off to shorter contexts down
    to the unigram.  Pieces with an empty voice are skipped.  Rendering: the relative
    pitches are transposed to the requested tonic, then each voice is moved by whole octaves so its mean
    pitch is nearest the mean pitch of that voice in training.  Asking for a mode never seen raises
    ValueError.
    """

    name = "ngram"

    def __init__(self, n: int = 3) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        self.n = n
        self.name = f"ngram{n}"

    def fit(self, pieces: list[Piece]) -> KeyConditionedNgram:
        self.layout = _Layout(pieces)
        nv = self.layout.n_voices
        # tables[mode][voice][order] maps a context of `order` tokens to the next token
        self.tables: dict[str, list[list[_Table]]] = {}
        self.starts: dict[str, list[tuple[Token, ...]]] = {}
        sums = np.zeros(nv)
        counts = np.zeros(nv)
        for piece in self.layout.pieces:
            shift = _shift_to_c(piece.key.tonic)
            if any(not v.notes for v in piece.voices):
                continue
            per_voice = self.tables.setdefault(
                piece.key.mode, [[_Table() for _ in range(self.n)] for _ in range(nv)])
            self.starts.setdefault(piece.key.mode, []).append(tuple(
                (None if v.notes[0].pitch is None else v.notes[0].pitch + shift, v.notes[0].duration)
                for v in piece.voices))
            for i, v in enumerate(piece.voices):
                pitches = v.pitches
                sums[i] += sum(pitches)
                counts[i] += len(pitches)
                seq = [("<s>",)] * (self.n - 1) + [
                    (None if nt.pitch is None else nt.pitch + shift, nt.duration) for nt in v.notes]
                for t in range(self.n - 1, len(seq)):
                    for order in range(self.n):
                        per_voice[i][order].add(tuple(seq[t - order:t]), seq[t])
        self.mean_pitch = np.where(counts > 0, sums / np.maximum(counts, 1), 60.0)
        for per_voice in self.tables.values():
            for tables in per_voice:
                for t in tables:
                    t.freeze()
        return self

    @property
    def modes(self) -> tuple[str, ...]:
        """The modes this model can generate in."""
        return tuple(sorted(self.tables))

    def generate(self, key: Key, length: int, seed: int) -> Piece:
        _check_request(length, seed)
        if key.mode not in self.tables:
            raise ValueError(f"{self.name} was not trained on any {key.mode} piece; it knows: "
                             + ", ".join(self.modes))
        rng = self._rng(key, seed)
        starts = self.starts[key.mode]
        start = starts[int(rng.integers(len(starts)))]
        tokens = []
        for i, tables in enumerate(self.tables[key.mode]):
            seq: list = [("<s>",)] * (self.n - 1) + [start[i]]
            for _ in range(length - 1):
                for order in range(self.n - 1, -1, -1):
                    ctx = tuple(seq[len(seq) - order:]) if order else ()
                    if ctx in tables[order]:
                        seq.append(tables[order].sample(ctx, rng))
                        break
                else:  # pragma: no cover - the unigram of a voice with a start token is never empty
                    raise AssertionError("empty unigram table")
            rel = seq[self.n - 1:]
            tokens.append(self._render(rel, key, i))
        return _build_piece(f"{self.name} {key.name} seed {seed}", key, self.layout, tokens, self.name)

    def _rng(self, key: Key, seed: int) -> np.random.Generator:
        """The generator of one piece: the seed alone (so one seed gives the same degrees in every key)."""
        return np.random.default_rng(seed)

    def _render(self, rel: list[Token], key: Key, voice: int) -> list[Token]:
        shift = -_shift_to_c(key.tonic)
        pitches = [p + shift for p, _ in rel if p is not None]
        octave = 0
        if pitches:
            octave = int(round((self.mean_pitch[voice] - float(np.mean(pitches))) / 12.0))
            lo, hi = min(pitches) + 12 * octave, max(pitches) + 12 * octave
            octave += (lo < 0) - (hi > 127)  # stay inside MIDI (only for absurd training data)
        return [(None if p is None else p + shift + 12 * octave, d) for p, d in rel]


class ScaleDegreeMarkov(KeyConditionedNgram):
    """Per mode and per voice, a first-order chain over (pitch relative to the tonic, duration): the
    key-conditioned n-gram with n = 2 (music.md's "Markov" column).

    Why: the floor of music.md's four-part table; four independent chains that can be asked for a key, so a
    model that couples its voices must beat it on every harmony and voice-leading figure.  Training and
    rendering as `KeyConditionedNgram` (pieces transposed to C, a state never followed in training restarts
    from the voice's unigram, voices moved by octaves to their training register)."""

    def __init__(self) -> None:
        super().__init__(n=2)
        self.name = "degree_markov"

    def _rng(self, key: Key, seed: int) -> np.random.Generator:
        """Seeded by (seed, tonic, mode), so that 24 keys x 3 seeds are 72 different chains, not 6 chains
        transposed (the n-gram's rule), and the baseline's figures are means over as many pieces as the
        model's."""
        return np.random.default_rng([int(seed), key.tonic, zlib.crc32(key.mode.encode())])


# --- 3. random diatonic ---------------------------------------------------------------------------------


class RandomDiatonic:
    """Uniform choice among the scale tones of the key within each voice's range; durations drawn from the
    training durations of that voice (sounding notes, by frequency).

    Why: 100 % in key with no melodic or harmonic sense, which shows what diatonic consistency alone is
    worth.  Ranges: the usual SATB ranges for four voices (`metrics.SATB_RANGES`), otherwise each voice's
    lowest..highest training pitch.  No rests.
    """

    name = "random_diatonic"

    def fit(self, pieces: list[Piece]) -> RandomDiatonic:
        self.layout = _Layout(pieces)
        nv = self.layout.n_voices
        durs: list[Counter] = [Counter() for _ in range(nv)]
        lows, highs = [127] * nv, [0] * nv
        for piece in self.layout.pieces:
            for i, v in enumerate(piece.voices):
                for nt in v.notes:
                    if nt.pitch is not None:
                        durs[i][nt.duration] += 1
                        lows[i], highs[i] = min(lows[i], nt.pitch), max(highs[i], nt.pitch)
        if any(not c for c in durs):
            raise ValueError("every voice needs at least one sounding note in training")
        self.durations = []
        for c in durs:
            values = sorted(c)
            w = np.array([c[d] for d in values], dtype=float)
            self.durations.append((values, w / w.sum()))
        self.ranges = list(SATB_RANGES) if nv == 4 else list(zip(lows, highs, strict=True))
        return self

    def generate(self, key: Key, length: int, seed: int) -> Piece:
        _check_request(length, seed)
        rng = np.random.default_rng(seed)
        tokens = []
        for i in range(self.layout.n_voices):
            lo, hi = self.ranges[i]
            scale = [p for p in range(lo, hi + 1) if key.in_scale(p)]
            values, probs = self.durations[i]
            ps = rng.choice(scale, size=length)
            ds = rng.choice(len(values), size=length, p=probs)
            tokens.append([(int(p), float(values[j])) for p, j in zip(ps, ds, strict=True)])
        return _build_piece(f"{self.name} {key.name} seed {seed}", key, self.layout, tokens, self.name)


BASELINES: dict[str, type[Baseline]] = {
    "markov": UnconditionedMarkov,
    "ngram": KeyConditionedNgram,
    "degree_markov": ScaleDegreeMarkov,
    "random_diatonic": RandomDiatonic,
}
"""Registry: name -> class (construct with no arguments, then `fit`)."""
