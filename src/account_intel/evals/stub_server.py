"""A local OpenAI-compatible HTTP server on 127.0.0.1 that answers with the scripted model (`stub_script`).

Used to record the committed cassettes where no live endpoint is reachable; the cassettes say so in their
metadata. It serves `POST /v1/chat/completions` only, and stops when the context manager exits.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from account_intel.evals.stub_script import ScriptedModel


def _handler(model: ScriptedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            """Answer a chat completion; any other path is a 404."""
            length = int(self.headers.get("content-length") or 0)
            body: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                self._send(200, model.respond(body))
            except (RuntimeError, ValueError, KeyError) as exc:  # a scripting error reaches the client as a 500
                self._send(500, {"error": {"message": f"{type(exc).__name__}: {exc}"}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the request log quiet."""

    return Handler


@contextmanager
def running_stub(model: ScriptedModel) -> Iterator[str]:
    """Serve `model` on a free loopback port; yields the base URL (`http://127.0.0.1:<port>/v1`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(model))
    thread = threading.Thread(target=server.serve_forever, name="account-intel-stub", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
