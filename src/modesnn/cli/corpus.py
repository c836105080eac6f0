"""`modesnn corpus SOURCE...`: read scores; say what a model would learn from them and what was skipped."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

from modesnn.cli.common import progress_enabled
from modesnn.corpus import KEY_FROM, MUSIC_EXTENSIONS, CorpusResult, load_corpus

_LIST_ALL_SKIPS = 12
"""Up to this many skipped files are listed one by one in the human summary; beyond, grouped by reason."""


def _voices(text: str) -> int | None:
    if text.lower() in ("any", "all"):
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number or 'any', got {text!r}")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "corpus",
        help="read scores (or the Bach chorales) and summarise pieces, keys and skipped files",
        description="Read score files and report the pieces, voices, notes and keys a model would learn, "
        "and every file skipped with its reason. Extracted pieces are cached by file content "
        "($MODESNN_CACHE/corpus or ~/.cache/modesnn/corpus).",
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="'bach' (the chorales bundled with music21), a score file, or a folder searched recursively "
        f"for {' '.join(MUSIC_EXTENSIONS)} (other files are ignored)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--list", action="store_true", help="also list every piece (file, key, key source, voices, notes)"
    )
    p.add_argument(
        "--key-from",
        choices=KEY_FROM,
        default="auto",
        help="where each piece's key comes from: the file name ('x_G minor.xml'), a key with a mode in the "
        "file, Krumhansl-Schmuckler analysis, or auto = those in turn (default: auto)",
    )
    p.add_argument(
        "--voices",
        type=_voices,
        default=4,
        metavar="N",
        help="voices each piece must have, or 'any' (default: 4); others are skipped",
    )
    p.add_argument("--strict", action="store_true", help="fail (exit 1) if any file is skipped")
    p.add_argument(
        "--no-cache", action="store_true", help="parse every file again and do not write the cache"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    to_stderr = args.json or args.strict  # the human summary lists skips itself

    def on_skip(file: str, reason: str) -> None:
        print(f"modesnn: skipped {file}: {reason}", file=sys.stderr)

    result = load_corpus(
        args.sources,
        key_from=args.key_from,
        voices=args.voices,
        progress=progress_enabled(),
        strict=args.strict,
        cache=not args.no_cache,
        on_skip=on_skip if to_stderr else None,
    )
    if args.json:
        data = result.summary()
        if args.list:
            data["items"] = _items(result)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(_human(result, args.list))
    return 0


def _items(result: CorpusResult) -> list[dict]:
    return [
        {
            "name": p.name,
            "file": p.source,
            "key": p.key.name,
            "key_source": p.key_source,
            "voices": len(p.voices),
            "notes": sum(len(v.pitches) for v in p.voices),
            "meter": p.meter,
            "dropped_parts": list(p.meta.get("dropped_parts", [])),
            "silent_voices": list(p.meta.get("silent_voices", [])),
        }
        for p in result.pieces
    ]


def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items()) or "none"


def _human(result: CorpusResult, with_list: bool) -> str:
    s = result.summary()
    voices = ", ".join(f"{n} voices: {c}" for n, c in s["voices"].items()) or "no voices"
    lines = [
        f"{' '.join(s['sources'])}: {s['pieces']} pieces from {s['files']} files "
        f"({s['cached']} from cache, {s['parsed']} parsed)",
        f"voices: {voices}",
        f"notes: {s['notes']} (and {s['rests']} rests)",
        f"meters: {_counts(s['meters'])}",
        f"keys from: {_counts(s['key_sources'])}",
        f"keys ({len(s['keys'])}):",
    ]
    width = max((len(k) for k in s["keys"]), default=0)
    lines += [f"  {k:<{width}}  {c}" for k, c in s["keys"].items()]
    if s["parts_dropped"]:
        lines.append(f"vocal parts chosen by name in {len(s['parts_dropped'])} files (other parts dropped)")
    for file, names in s["silent_voices"].items():
        lines.append(f"silent voice ({', '.join(names)}; only rests): {file}")
    if with_list:
        lines.append("pieces:")
        for it in _items(result):
            lines.append(
                f"  {it['name']}  {it['key']} ({it['key_source']})  {it['voices']} voices  "
                f"{it['notes']} notes  {it['meter']}"
            )
    skipped = result.skipped
    if skipped:
        lines.append(f"skipped {len(skipped)} file{'s' if len(skipped) > 1 else ''}:")
        if len(skipped) <= _LIST_ALL_SKIPS:
            lines += [f"  {f}: {r}" for f, r in skipped]
        else:
            by_reason: dict[str, list[str]] = defaultdict(list)
            for f, r in skipped:
                by_reason[r].append(f)
            for r, files in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
                more = f" ... and {len(files) - 2} more" if len(files) > 2 else ""
                lines.append(f"  {len(files)} x {r}: {', '.join(files[:2])}{more} (--json lists all)")
    return "\n".join(lines)
