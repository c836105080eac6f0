"""`modesnn profile`: the learned tonal hierarchy beside the Krumhansl-Kessler profiles."""

from __future__ import annotations

import argparse
import json

from modesnn.cli.common import model_or_default
from modesnn.evaluate.profiles import plot_profiles, profile_report

DEGREE_NAMES = ("1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="learned tonal hierarchy vs Krumhansl-Kessler",
                       description="Per mode: the total learned SMS -> mode weight per scale degree beside the "
                                   "Krumhansl-Kessler profile (Pearson r), and the data's own degree counts; per "
                                   "key: SMS -> key weights against the rotated KK profile.")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--plot", metavar="FILE.png", help="also draw learned vs KK bars and the key map")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = model_or_default(args.model, preset="paper")
    rep = profile_report(model)
    if args.plot:
        plot_profiles(model, args.plot)
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    for mode, m in rep["modes"].items():
        print(f"{mode}: r_kk = {m['r_kk']:.3f}  r_data = {m['r_data']:.3f}  "
              f"(data vs KK: {m['data_r_kk']:.3f}, {m['notes']} notes)")
        top = max(m["learned"]) or 1.0
        kk_top = max(m["kk"])
        for i, name in enumerate(DEGREE_NAMES):
            bar = "#" * int(round(30 * m["learned"][i] / top))
            print(f"  {name:>3} {bar:<30} {m['learned'][i] / top:5.2f}  KK {m['kk'][i] / kk_top:4.2f}")
    print(f"keys: mean r_kk = {rep['keys_mean_r_kk']:.3f} over {len(rep['keys'])} keys heard")
    for name, k in sorted(rep["keys"].items(), key=lambda kv: -kv[1]["r_kk"]):
        print(f"  {name:<10} r_kk = {k['r_kk']:.3f}  ({k['notes']} notes)")
    if args.plot:
        print(f"plot: {args.plot}")
    return 0
