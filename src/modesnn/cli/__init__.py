"""The `modesnn` command line.  Each subcommand lives in its own module with `register(subparsers)`;
this module only dispatches and turns ModesnnError into a one-line message and a non-zero exit."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from modesnn import __version__
from modesnn.cli import common
from modesnn.errors import ModesnnError

COMMANDS = ("corpus", "learn", "profile", "compose", "harmonize", "key", "evaluate", "serve", "listen-results",
            "inspect", "sweep")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modesnn",
        description="Learn modes, keys and four-part note sequences with a spiking neural network, "
        "then compose new four-part music in any mode and key.",
    )
    parser.add_argument("--version", action="version", version=f"modesnn {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr (they are shown "
                        "only when stderr is a terminal)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"modesnn.cli.{name.replace('-', '_')}").register(sub)
    for command in sub.choices.values():  # also after the command: `modesnn learn bach -o m -q`
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="no progress bars on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    common.QUIET = bool(args.quiet)
    try:
        return int(args.func(args) or 0)
    except ModesnnError as exc:
        print(f"modesnn {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("modesnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
