"""The Starlette application: the page, its JSON API and the event stream of a live composition.

Why Starlette on uvicorn: an ASGI app streams server-sent events to many pages at once from one process
without a thread per open stream, and Starlette is small (no validation framework), while the network's
work runs in threads (its steps are numpy, CPU bound).  Every error a request can cause answers 4xx with
{"error": one line}; the page shows that line."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from modesnn.errors import ExportError, ModesnnError
from modesnn.export import AudioUnavailable
from modesnn.music import Piece
from modesnn.web import forms
from modesnn.web.listen import ListeningTest
from modesnn.web.listen_db import ListenDB
from modesnn.web.live import LiveComposition
from modesnn.web.sessions import ModelPool
from modesnn.web.store import FORMATS, PieceStore

STATIC = Path(__file__).parent / "static"
MAX_LIVE = 8
"""Live compositions running at once; more answer 503."""
_ID = re.compile(r"^[0-9a-f]{16}$")


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())[:300]}, status_code=status)


class WebState:
    """Everything the routes share: the model, the stored pieces, live compositions, the listening test."""

    def __init__(self, model: Any, db_path: str | Path, chorales: Callable[[], list[Piece]]) -> None:
        self.model = model
        self.pool = ModelPool(model, MAX_LIVE + 1)  # (one more for the listening test's compositions)
        self.store = PieceStore()
        self.live: dict[str, LiveComposition] = {}
        self.db = ListenDB(db_path)
        self._chorales = chorales
        self._listen: ListeningTest | None = None
        self._lock = threading.Lock()

    def listening(self) -> ListeningTest:
        with self._lock:
            if self._listen is None:
                self._listen = ListeningTest(self.pool, self._chorales(), self.db, self.store)
            return self._listen

    def add_live(self, job: LiveComposition) -> str:
        with self._lock:
            running = [j for j in self.live.values() if not j.finished]
            if len(running) >= MAX_LIVE:
                raise forms.RequestError(f"{len(running)} compositions are running; try again in a moment", 503)
            for old in [k for k, j in self.live.items() if j.finished][:-32]:
                del self.live[old]  # keep the 32 newest finished ones
            jid = forms.new_id()
            self.live[jid] = job
        job.start()
        return jid


async def _json(request: Request) -> dict:
    if int(request.headers.get("content-length") or 0) > 65536:
        raise forms.RequestError("request body too large", 413)
    try:
        data = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise forms.RequestError("request body is not JSON") from None
    if not isinstance(data, dict):
        raise forms.RequestError("request body must be a JSON object")
    return data


class Endpoints:
    """One method per route, over the shared state."""

    def __init__(self, state: WebState) -> None:
        self.state, self.model = state, state.model

    def routes(self) -> list:
        return [
            Route("/", self.index), Route("/listen", self.listen_page), Route("/api/config", self.config),
            Route("/api/compose", self.compose, methods=["POST"]),
            Route("/api/live/{jid}/events", self.events),
            Route("/api/live/{jid}/key", self.change_key, methods=["POST"]),
            Route("/api/piece/{pid}/{fmt}", self.piece_file),
            Route("/api/harmonize", self.harmonize, methods=["POST"]),
            Route("/api/listen/trial", self.trial, methods=["POST"]),
            Route("/api/listen/answer", self.answer, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def listen_page(self, request: Request) -> Response:
        return FileResponse(STATIC / "listen.html")

    async def config(self, request: Request) -> Response:
        return JSONResponse(forms.config(self.model))

    async def compose(self, request: Request) -> Response:
        req = forms.compose_request(self.model, await _json(request))
        job = LiveComposition(self.state.pool, req.key, req.settings, req.seed, req.tempo, req.pace,
                              self.state.store)
        jid = self.state.add_live(job)
        return JSONResponse({"id": jid, "events": f"/api/live/{jid}/events"})

    def _job(self, request: Request) -> LiveComposition:
        jid = request.path_params["jid"]
        job = self.state.live.get(jid) if _ID.match(jid) else None
        if job is None:
            raise forms.RequestError("no such composition", 404)
        return job

    async def events(self, request: Request) -> Response:
        job = self._job(request)
        return StreamingResponse(_stream(request, job), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def change_key(self, request: Request) -> Response:
        job = self._job(request)
        key = forms.key_of(self.model, (await _json(request)).get("key"))
        job.change_key(key)
        return JSONResponse({"key": key.name})

    def piece_file(self, request: Request) -> Response:
        pid, fmt = request.path_params["pid"], request.path_params["fmt"]
        if not _ID.match(pid) or fmt not in FORMATS:
            return _error("no such file", 404)
        data = self.state.store.render(pid, fmt)
        if data is None:
            return _error("no such piece", 404)
        headers = {} if fmt in ("svg", "wav") else {"Content-Disposition": f'attachment; filename="modesnn.{fmt}"'}
        return Response(data, media_type=FORMATS[fmt], headers=headers)

    async def harmonize(self, request: Request) -> Response:
        req = await forms.harmonize_request(self.model, request)
        piece = await asyncio.to_thread(forms.run_harmonize, self.state.pool, req)
        pid = self.state.store.add(piece, req.tempo)
        return JSONResponse({"piece": pid, "key": piece.key.name, "meter": piece.meter,
                             "notes": [[{"pitch": n.pitch, "onset": n.onset, "duration": n.duration}
                                        for n in v.notes] for v in piece.voices]})

    def trial(self, request: Request) -> Response:
        return JSONResponse(self.state.listening().trial())

    async def answer(self, request: Request) -> Response:
        a = forms.answer_request(await _json(request))
        try:
            count = await asyncio.to_thread(self.state.listening().answer, a["trial"], a["choice"], a["rater"],
                                            a["experience"])
        except KeyError:
            return _error("unknown or already answered trial", 409)
        return JSONResponse({"stored": True, "answers": count})


LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


def create_app(model: Any, db_path: str | Path, chorales: Callable[[], list[Piece]],
               allowed_hosts: list[str] | None = None) -> Starlette:
    """The app over one loaded model; `chorales` gives the real phrases of the listening test (called once,
    on the first trial).  `allowed_hosts`: Host headers answered (default: loopback names only, so a web
    page elsewhere cannot reach a local server through DNS rebinding); ["*"] for a server on a network."""
    state = WebState(model, db_path, chorales)
    routes = Endpoints(state).routes()

    async def request_error(request: Request, exc: Exception) -> Response:
        """A ModesnnError: the request's fault (4xx, its status) unless the machine cannot render (503: no
        fluidsynth or soundfont) or an output failed (500); always its one line, never a traceback."""
        default = 503 if isinstance(exc, AudioUnavailable) else 500 if isinstance(exc, ExportError) else 400
        return _error(str(exc), getattr(exc, "status", default))

    async def server_error(request: Request, exc: Exception) -> Response:
        return _error(f"internal error ({type(exc).__name__}); the server log has details", 500)

    hosts = Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS)
    app = Starlette(routes=routes, middleware=[hosts],
                    exception_handlers={ModesnnError: request_error, Exception: server_error})
    app.state.web = state
    return app


async def _stream(request: Request, job: LiveComposition):
    """Server-sent events: every event of the job from the first, then each new one, until it ends."""
    sent, idle = 0, 0
    while True:
        new, finished = job.events_from(sent)
        for ev in new:
            yield f"event: {ev['type']}\ndata: {json.dumps(ev, separators=(',', ':'))}\n\n"
        sent += len(new)
        if finished and not new:
            yield "event: end\ndata: {}\n\n"
            return
        if not new:
            idle += 1
            if idle % 25 == 0 and await request.is_disconnected():
                job.cancel()
                return
            await asyncio.sleep(0.02)
