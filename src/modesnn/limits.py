"""The stated limits on what modesnn accepts, in one place, each with why it has its value.

Every limit is checked before the work it bounds starts, and exceeding one gives a one-line error (or, for a
file in a batch, a skip reason) that names the limit, so memory and time are bounded by these numbers and
never by the input.  Raise one only with a reason: the figures below are what they protect against.
"""

from __future__ import annotations

MAX_NOTES_PER_FILE = 20_000
"""Note elements in one score file (all voices).  A Bach chorale has 200-800 and an SHTE exercise 40-200;
music21 takes about 25 s and several hundred MB at 20,000 (issue 16: 200,000 ran past 300 s and 941 MB)."""

MAX_QUARTERS_PER_FILE = 4_000
"""Length of one MIDI file or ABC tune in quarter notes (1,000 bars of 4/4; a chorale has about 64).  A MIDI file can
declare a note of millions of beats in a few bytes, and music21 then ties it over every bar: the fuzz suite's
one hang.  Four such tracks take 10 s to parse at this limit (105 s at 20,000).  Checked from the events
before the score is built."""

MAX_PARSE_SECONDS = 120.0
"""Wall-clock time to read one score file (main thread only): the backstop for music21's slow paths that the
size checks cannot see.  A file at the note limit takes about 25 s; a skip for time is not cached."""

MAX_FILE_BYTES = 64 * 2**20
"""Bytes of one score file (also the unpacked size of a compressed .mxl).  20,000 MusicXML notes are about
10 MB, so this only refuses files far past the note limit, before they are read into memory."""

MAX_COMPOSE_LENGTH = 2_000
"""`--length`: notes per voice of a composition.  About 10 s on one core; 100,000 took 6.6 min and 388 MB,
and the longest learned Bach voice is under 300 notes (beyond the learned length positions cycle anyway)."""

MAX_MODEL_FILE_BYTES = 2 * 2**30
"""Bytes of a model file.  The Bach model is 1.1 MB (7.5 MB of arrays): 2 GiB leaves room for corpora a
thousand times larger while refusing anything that could not be a model before it is read."""

MAX_MODEL_HEADER_BYTES = 16 * 2**20
"""The JSON header of a model file (the Bach model's is 6 KB: config, meters, sources, the array index)."""

MAX_MODEL_ARRAY_BYTES = 8 * 2**30
"""Decompressed array bytes of a model file, on top of the check that they are at most
`ZLIB_MAX_RATIO` times the compressed bytes actually present in the file."""

ZLIB_MAX_RATIO = 1032
"""zlib's largest possible expansion (deflate: 258 bytes per 2 bits, rounded up), so the declared array
sizes must be at most this times the compressed payload: a crafted header cannot make us allocate more."""

MAX_MODEL_ARRAYS = 4_096
"""Arrays in one model file (the Bach model has 55: 3 synapse groups, 3 learning rules, per-mode/key/voice
counts)."""

MAX_POSITIONS = MAX_NOTES_PER_FILE
"""Sequence-memory positions in a model: one per note of the longest voice learned, which no readable file
can exceed (issue 16: `positions = 1e9` in a crafted header hung the loader building the grid)."""

MAX_VOICES = 16
"""Voices of a model (four-part music uses 4; the network grows linearly with voices)."""

MAX_LANES = 1_024
"""Pieces presented at once while learning (default 28); each lane holds its own neuron state."""

MAX_DURATION_COUNT = 1_024
"""Duration columns of a model (default 64: 1/32 notes up to 8 quarters)."""

MAX_POSITIONS_PER_BLOCK = 1_024
"""Positions per block of the sequence-memory grid (default 32)."""

MAX_DELAY_SLOTS = 64
"""Slots a sequence synapse reaches ahead (default 4)."""

MAX_SLOT_STEPS = 100_000
"""Simulation steps per note slot (slot_ms / dt; default 50)."""
