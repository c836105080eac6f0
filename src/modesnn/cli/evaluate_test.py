"""`modesnn evaluate --test SOURCE... -o DIR`: the model scored on corpora it did not learn (key finding beside
music21's finders, profile r against each corpus's own degree counts, composed figures beside each corpus's);
DIR/test.json and DIR/test.md."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from modesnn.cli.common import model_or_default, progress_enabled, warn
from modesnn.errors import ModesnnError


def run_test(args: argparse.Namespace) -> int:
    from modesnn.research.crosscorpus import evaluate_test_sources, markdown
    from modesnn.research.sweep import write_atomic

    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise ModesnnError(f"{args.output}: exists and is not a folder")
    model = model_or_default(args.model)
    learned = {Path(s).resolve() for s in model.sources if s != "bach"}
    for src in args.test:
        if src in model.sources or (src != "bach" and Path(src).resolve() in learned):
            warn(f"--test {src}: the model learned this source; its figures are not a test on unseen music")
    result = evaluate_test_sources(model, args.test, progress=progress_enabled(), log=warn)
    text = markdown(result)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "test.json", json.dumps(result, indent=1) + "\n")
    write_atomic(out / "test.md", text)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(text, end="")
        print(f"wrote {out / 'test.json'} and {out / 'test.md'}")
    return 0
