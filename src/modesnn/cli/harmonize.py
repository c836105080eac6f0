"""`modesnn harmonize MELODY --key KEY -o OUT...`: write alto, tenor and bass under a melody."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from modesnn.cli.common import model_or_default, write_outputs
from modesnn.cli.compose import _check_outputs
from modesnn.errors import ModesnnError
from modesnn.model import harmonize
from modesnn.music import measure_length
from modesnn.theory import parse_key


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("harmonize", help="harmonise a melody in four parts",
                       description="Clamp a monophonic melody (MusicXML, MIDI or ABC; the top voice of a score) in "
                                   "the soprano, beat by beat, and let the chorale network decide the chords and the "
                                   "alto, tenor and bass.")
    p.add_argument("melody", metavar="MELODY", help="score file with the melody (its top part is used)")
    p.add_argument("--key", required=True, help="key of the melody, e.g. 'G major', 'f# minor'")
    p.add_argument("--model", metavar="MODEL", help="chorale model file (default: the Bach chorale model)")
    p.add_argument("--meter", help="meter such as 4/4 (default: the melody's)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--tempo", type=float, help="tempo in quarter notes per minute (default 80)")
    p.add_argument("--soundfont", help="General MIDI soundfont for .wav")
    p.add_argument("-o", "--output", action="append", required=True, metavar="OUT",
                   help="output file; repeat for several (.mid .musicxml .wav .svg)")
    p.set_defaults(func=run)


def read_melody(path: str):
    """The top voice of a score file, refusing chords; (voice, meter)."""
    from modesnn.corpus import load_corpus

    file = Path(path)
    if not file.is_file():
        raise ModesnnError(f"{path}: no such file")
    try:
        from music21 import chord, converter

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = converter.parse(str(file), forceSource=True)
        parts = list(getattr(score, "parts", [])) or [score]
        if any(isinstance(c, chord.Chord) and len(c.pitches) > 1 for c in parts[0].recurse()):
            raise ModesnnError(f"{path}: the melody has chords; give a monophonic line")
    except ModesnnError:
        raise
    except Exception as exc:  # music21 raises many types for unreadable input
        raise ModesnnError(f"{path}: cannot read as music ({type(exc).__name__})") from None
    corpus = load_corpus([str(file)], key_from="analysis", voices=None, progress=False)
    if not corpus.pieces:
        reason = corpus.skipped[0][1] if corpus.skipped else "no notes"
        raise ModesnnError(f"{path}: {reason}")
    piece = corpus.pieces[0]
    voice = piece.voices[0]
    if not voice.pitches:
        raise ModesnnError(f"{path}: the melody has no notes")
    return voice, piece.meter


def run(args: argparse.Namespace) -> int:
    _check_outputs(args.output)
    if args.meter:
        try:
            measure_length(args.meter)
        except ValueError as exc:
            raise ModesnnError(f"--meter: {exc}") from None
    melody, meter = read_melody(args.melody)
    model = model_or_default(args.model)
    try:
        key = parse_key(args.key, model.config.modes)
    except ValueError as exc:
        raise ModesnnError(f"--key: {exc}") from None
    try:
        piece = harmonize(model, melody, key, meter=args.meter or meter, seed=args.seed)
    except ValueError as exc:
        raise ModesnnError(f"{args.melody}: {exc}") from None
    failed = write_outputs(piece, args.output, args.tempo, args.soundfont)
    print(f"harmonised {len(melody.notes)} melody notes in {key.name}, {piece.meter}, seed {args.seed}")
    return 1 if failed else 0
