"""`modesnn listen-results`: what the listening test's raters said, per system and per rater."""

from __future__ import annotations

import argparse
import math

from modesnn.web.listen_db import read_answers, summarise, write_csv


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("listen-results", help="summarise the listening-test answers",
                       description="Per system: trials, share judged human with a 95%% Wilson interval; per "
                                   "rater: answers and how often they picked the real Bach.")
    p.add_argument("--db", default="listening.sqlite", metavar="PATH",
                   help="the database `modesnn serve --db` wrote (default: listening.sqlite)")
    p.add_argument("--csv", metavar="FILE", help="also write every answer as CSV")
    p.set_defaults(func=run)


def _pct(x: float) -> str:
    return "  n/a" if math.isnan(x) else f"{100 * x:5.1f}%"


def run(args: argparse.Namespace) -> int:
    rows = read_answers(args.db)
    s = summarise(rows)
    print(f"{s['answers']} answers in {args.db}")
    print(f"{'system':<12} {'trials':>6} {'judged human':>12} {'share':>6}  95% interval (Wilson)")
    for name, e in sorted(s["systems"].items()):
        lo, hi = e["ci95"]
        print(f"{name:<12} {e['trials']:>6} {e['judged_human']:>12} {_pct(e['share'])}  [{_pct(lo)}, {_pct(hi)}]")
    print(f"{'rater':<20} {'experience':<14} {'answers':>7} {'chose Bach':>10}")
    for name, e in sorted(s["raters"].items()):
        print(f"{name[:20]:<20} {(e['experience'] or '-')[:14]:<14} {e['answers']:>7} {e['chose_bach']:>10}")
    if args.csv:
        write_csv(rows, args.csv)
        print(f"wrote {args.csv}")
    return 0
