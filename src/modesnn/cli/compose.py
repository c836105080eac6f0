"""`modesnn compose --key "G minor" -o OUT...`: a new piece in any mode and key the model knows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modesnn.cli.common import check_writable, model_or_default, progress_enabled, warn, write_outputs
from modesnn.errors import ModesnnError, SettingsError
from modesnn.export import SUPPORTED_EXTENSIONS
from modesnn.limits import MAX_COMPOSE_LENGTH
from modesnn.model import ComposeSession, ComposeSettings, open_session
from modesnn.music import Piece
from modesnn.theory import midi_to_name, name_to_midi, parse_key
from modesnn.workflows import check_length, check_seed_notes

LONG_COMPOSE = 200
"""Notes per voice from which composing takes a few seconds: a progress bar (slots) is shown."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compose", help="compose a four-part piece in a mode and key",
                       description="Compose with a learned model (default: the Bach chorales, learned on first "
                                   "use into the user cache). Output kind follows each -o extension: "
                                   ".mid, .musicxml, .wav (FluidSynth), .svg (verovio).")
    p.add_argument("--key", required=True,
                   help="key, e.g. 'G minor', 'g', 'Bb major', 'B- major', 'F#', 'D dorian' (mode must be known "
                        "to the model)")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model of --preset)")
    p.add_argument("--preset", choices=("chorale", "paper"), default="chorale",
                   help="default model's network when no --model is given: 'chorale' (default) or 'paper'")
    p.add_argument("--seed-notes", metavar="NOTES",
                   help="one note per voice, top voice first, e.g. 'D5 B-4 G4 G2' (default: a tonic chord)")
    p.add_argument("--length", type=int, default=32, help="notes per voice before aligning to measures "
                                                          f"(default: 32, at most {MAX_COMPOSE_LENGTH:,})")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same piece; default 0)")
    p.add_argument("--meter", help="meter such as 4/4 or 3/4 (default: the most common in training)")
    p.add_argument("--prior", choices=("learned", "fixed"), help="key -> pitch bias from learned weights "
                                                                  "(default) or the release's fixed prior")
    p.add_argument("--schema-only", action="store_true",
                   help="allow a mode the model learned no notes in (its scale schema alone shapes the music)")
    p.add_argument("--end", choices=("align", "causal"), default="align",
                   help="align: cut the voices at a barline and end on the tonic chord afterwards (default); "
                        "causal: choose the last notes to reach a barline on the tonic chord, never changing a note "
                        "already decided (as a live stream does)")
    p.add_argument("--tempo", type=float, help="tempo in quarter notes per minute (default 80)")
    p.add_argument("--soundfont", help="General MIDI soundfont for .wav (default: found on the system)")
    p.add_argument("-o", "--output", action="append", required=True, metavar="OUT",
                   help="output file; repeat for several (.mid .musicxml .wav .svg)")
    p.set_defaults(func=run)


def _check_outputs(paths: list[str]) -> None:
    """Refuse before composing anything: unknown kinds, missing or unwritable folders, a path given twice."""
    seen: dict[Path, str] = {}
    for raw in paths:
        path = Path(raw)
        if path.resolve() in seen:
            same = seen[path.resolve()]
            again = "twice" if same == raw else f"twice (as {same} and {raw})"
            raise ModesnnError(f"{raw}: output given {again}")
        seen[path.resolve()] = raw
        if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise ModesnnError(f"{raw}: unknown output kind {path.suffix or '(none)'!r}; "
                               f"use one of {' '.join(SUPPORTED_EXTENSIONS)}")
        check_writable(raw)


def _compose(session: ComposeSession, length: int, progress: bool) -> Piece:
    """Step the session slot by slot under a progress bar (stderr), then finish: the same piece as finish()."""
    from tqdm import tqdm

    with tqdm(total=length, desc="composing", unit="slot", file=sys.stderr, disable=not progress,
              leave=False) as bar:
        for _ in session:
            bar.update()
    return session.finish()


def run(args: argparse.Namespace) -> int:
    _check_outputs(args.output)
    seeds = None
    if args.seed_notes:
        try:
            seeds = tuple(name_to_midi(n) for n in args.seed_notes.replace(",", " ").split())
        except ValueError as exc:
            raise ModesnnError(f"--seed-notes: {exc}") from None
    chosen = {"prior": args.prior} if args.prior else {}
    try:
        settings = ComposeSettings(length=args.length, meter=args.meter, seed_notes=seeds, end=args.end, **chosen)
    except SettingsError as exc:  # name the option the user typed
        field = str(exc).split(":", 1)[0].removeprefix("ComposeSettings.")
        raise ModesnnError(f"--{field.replace('_', '-')}:{str(exc).split(':', 1)[1]}") from None
    check_length(args.length)
    model = model_or_default(args.model, preset=args.preset)
    try:
        key = parse_key(args.key, model.config.modes)
    except ValueError as exc:
        raise ModesnnError(str(exc)) from None
    if not args.schema_only and not model.heard_degrees[key.mode].any():
        raise ModesnnError(f"--key {args.key}: the model learned no notes in the {key.mode} mode (no training piece "
                           f"was labelled {key.mode}); learn a labelled corpus, or pass --schema-only")
    if seeds is not None:
        check_seed_notes(model, list(seeds))
    if model.max_length and args.length > model.max_length:
        warn(f"--length {args.length} passes the longest learned piece ({model.max_length} notes): "
             "later positions cycle back over the learned ones")
    piece = _compose(open_session(model, key, settings, seed=args.seed), args.length,
                     progress_enabled() and args.length >= LONG_COMPOSE)
    failed = write_outputs(piece, args.output, args.tempo, args.soundfont)
    notes = " ".join(midi_to_name(v.notes[0].pitch) if v.notes[0].pitch is not None else "rest"
                     for v in piece.voices)
    print(f"{key.name}, {piece.meter}, {sum(len(v.notes) for v in piece.voices)} notes, opening chord {notes}, "
          f"seed {args.seed}")
    return 1 if failed else 0
