"""`modesnn serve`: the local web page (compose live, change key, harmonise, listening test)."""

from __future__ import annotations

import argparse
from pathlib import Path

from modesnn.cli.common import model_or_default
from modesnn.errors import ModesnnError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the local web page (compose live, listening test)",
                       description="Serve the web page on a local address (Starlette on uvicorn). Needs the "
                                   "'web' extra: pip install -e '.[web]'.")
    p.add_argument("--model", metavar="MODEL", help="model file (default: the Bach model)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine "
                                                       "only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--db", default="listening.sqlite", metavar="PATH",
                   help="SQLite file of the listening-test answers (default: listening.sqlite here)")
    p.set_defaults(func=run)


def chorale_loader():
    """The Bach chorales (from the corpus cache) for the listening test's real phrases."""
    from modesnn.corpus import load_corpus

    return lambda: load_corpus(["bach"], progress=False).pieces


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise ModesnnError(f"--port must be 0..65535, got {args.port}")
    if not Path(args.db).resolve().parent.is_dir():
        raise ModesnnError(f"--db {args.db}: folder does not exist")
    try:
        import uvicorn

        from modesnn.web.app import create_app
    except ImportError as exc:
        raise ModesnnError(f"the web page needs the 'web' extra ({exc.name} is missing): "
                           "pip install 'modesnn[web]'") from None
    model = model_or_default(args.model)
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    app = create_app(model, args.db, chorale_loader(), allowed_hosts=None if loopback else ["*"])
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    _announce(server, args.host)
    server.run()
    return 0


def _announce(server, host: str) -> None:
    """Print the address once uvicorn is listening (the real port when --port 0)."""
    startup = server.startup

    async def startup_and_print(sockets=None):
        await startup(sockets=sockets)
        for s in server.servers:
            for sock in s.sockets:
                h, port = sock.getsockname()[:2]
                shown = f"[{h}]" if ":" in h else h
                print(f"modesnn serve: http://{shown}:{port}/  (listening test: /listen; Ctrl-C stops)",
                      flush=True)
                return

    server.startup = startup_and_print
