"""Record and replay of the llm brain's HTTP exchanges, plugged in through `LLMFactory(transport=...)`.

Recording wraps the real transport and keeps, per scenario, each request (method, URL path, JSON body with any key
or authorization field removed; no headers) and its response (status, content type, JSON body) in
`evals/cassettes/<set>/<scenario>.json`. Replay serves the recorded responses in order and refuses a request whose
significant part differs from the recorded one, saying where: the model, the messages (prompts, data, tool calls and
their arguments), the tools' names and descriptions, `tool_choice` and the response schema's name. So any change to
what the model reads shows up as a mismatch, never as a silent pass. The rest of the body (the JSON schemas of tool
parameters, which a pydantic release may spell differently) is compared too, and a difference there is reported as
schema drift without failing the replay.

A replay cannot judge a changed prompt: the answers are the ones recorded for the old one. That needs a live run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field

SECRET_KEYS = frozenset({"api_key", "apikey", "authorization", "openai_api_key", "secret", "password", "key"})
KEPT_HEADERS = ("content-type",)


class CassetteError(Exception):
    """A replayed request differs from the recorded one (or the cassette ran out): the replay must fail."""


def strip_secrets(value: Any) -> Any:
    """The value with every mapping key that names a secret removed, recursively."""
    if isinstance(value, dict):
        return {k: strip_secrets(v) for k, v in value.items() if k.lower().replace("-", "_") not in SECRET_KEYS}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    return value


def _json_or_text(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return content.decode("utf-8", errors="replace")


class RecordedRequest(BaseModel):
    """What was sent."""

    method: str
    path: str
    body: Any = None


class RecordedResponse(BaseModel):
    """What came back."""

    status: int
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None


class Exchange(BaseModel):
    """One request and its response."""

    request: RecordedRequest
    response: RecordedResponse


class Cassette(BaseModel):
    """A scenario's exchanges, in order, with where and when they were recorded."""

    meta: dict[str, Any] = Field(default_factory=dict)
    exchanges: list[Exchange] = Field(default_factory=list)

    def save(self, path: Path) -> None:
        """Write the cassette as indented JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Cassette:
        """Read a cassette; a missing one is a clear error."""
        if not path.is_file():
            raise CassetteError(f"No cassette at {path}: record it first (`eval run --brain llm --record`).")
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def recorded_request(request: httpx.Request) -> RecordedRequest:
    """The stored form of a request (no headers, no host, secrets removed from the body)."""
    return RecordedRequest(
        method=request.method, path=request.url.path, body=strip_secrets(_json_or_text(request.content))
    )


def recorded_response(response: httpx.Response) -> RecordedResponse:
    """The stored form of a response (already read)."""
    headers = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
    return RecordedResponse(status=response.status_code, headers=headers, body=_json_or_text(response.content))


def _replayed(request: httpx.Request, recorded: RecordedResponse) -> httpx.Response:
    content = recorded.body if isinstance(recorded.body, str) else json.dumps(recorded.body)
    headers = recorded.headers or {"content-type": "application/json"}
    return httpx.Response(recorded.status, headers=headers, content=content.encode("utf-8"), request=request)


def first_difference(expected: Any, actual: Any, where: str = "body") -> str | None:
    """Where two JSON values first differ (None when equal)."""
    if type(expected) is not type(actual):
        return f"{where}: recorded {type(expected).__name__}, sent {type(actual).__name__}"
    if isinstance(expected, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual or key not in expected:
                return f"{where}.{key}: {'missing from the request' if key not in actual else 'not in the recording'}"
            if found := first_difference(expected[key], actual[key], f"{where}.{key}"):
                return found
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{where}: recorded {len(expected)} items, sent {len(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            if found := first_difference(e, a, f"{where}[{index}]"):
                return found
        return None
    if expected != actual:
        if isinstance(expected, str):
            at = next((i for i, (e, a) in enumerate(zip(expected, actual, strict=False)) if e != a), None)
            at = min(len(expected), len(actual)) if at is None else at
            start = max(0, at - 40)
            return (
                f"{where} (at character {at}): recorded {expected[start : at + 80]!r}, sent {actual[start : at + 80]!r}"
            )
        return f"{where}: recorded {expected!r}, sent {actual!r}"
    return None


SIGNIFICANT_KEYS = ("model", "messages", "tool_choice", "parallel_tool_calls")


def _tool_identity(tool: Any) -> Any:
    if not isinstance(tool, dict) or not isinstance(tool.get("function"), dict):
        return tool
    function = tool["function"]
    return {"type": tool.get("type"), "name": function.get("name"), "description": function.get("description")}


def _schema_name(response_format: Any) -> Any:
    if not isinstance(response_format, dict):
        return response_format
    schema = response_format.get("json_schema")
    return {"type": response_format.get("type"), "name": schema.get("name") if isinstance(schema, dict) else None}


def significant(body: Any) -> Any:
    """The part of a chat request that decides the answer: model, messages, tool names and descriptions, choices."""
    if not isinstance(body, dict):
        return body
    kept: dict[str, Any] = {key: body[key] for key in SIGNIFICANT_KEYS if key in body}
    if "tools" in body:
        kept["tools"] = [_tool_identity(tool) for tool in body["tools"] or []]
    if "response_format" in body:
        kept["response_format"] = _schema_name(body["response_format"])
    return kept


def request_problems(expected: Any, actual: Any) -> tuple[str | None, str | None]:
    """(mismatch, drift): where the significant parts differ, and where the rest (schemas) does."""
    mismatch = first_difference(significant(expected), significant(actual))
    drift = None if mismatch else first_difference(expected, actual)
    return mismatch, drift


class Recorder:
    """The exchanges of one scenario, appended by the recording transports."""

    def __init__(self, meta: dict[str, Any] | None = None) -> None:
        self.cassette = Cassette(meta=dict(meta or {}))

    def add(self, request: httpx.Request, response: httpx.Response) -> None:
        """Keep one exchange."""
        self.cassette.exchanges.append(
            Exchange(request=recorded_request(request), response=recorded_response(response))
        )


class RecordingTransport(httpx.BaseTransport):
    """Sends through the real transport and records every exchange."""

    def __init__(self, recorder: Recorder, inner: httpx.BaseTransport | None = None) -> None:
        self.recorder, self.inner = recorder, inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Forward, read the body, record, and hand back a response with the same content."""
        response = self.inner.handle_request(request)
        content = response.read()
        response.close()
        copy = httpx.Response(response.status_code, headers=response.headers, content=content, request=request)
        self.recorder.add(request, copy)
        return copy


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The async twin of RecordingTransport."""

    def __init__(self, recorder: Recorder, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.recorder, self.inner = recorder, inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward, read the body, record, and hand back a response with the same content."""
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        copy = httpx.Response(response.status_code, headers=response.headers, content=content, request=request)
        self.recorder.add(request, copy)
        return copy


class Player:
    """Serves a cassette's responses in order; remembers every mismatch (the run fails) and schema drift (reported)."""

    def __init__(self, cassette: Cassette) -> None:
        self.cassette, self.position = cassette, 0
        self.errors: list[str] = []
        self.drift: list[str] = []

    def respond(self, request: httpx.Request) -> httpx.Response:
        """The next recorded response, if the request is the recorded one."""
        exchanges = self.cassette.exchanges
        if self.position >= len(exchanges):
            return self._fail(
                f"request #{self.position + 1} {request.method} {request.url.path}: "
                f"the cassette has only {len(exchanges)} exchanges"
            )
        expected = exchanges[self.position]
        actual = recorded_request(request)
        if (actual.method, actual.path) != (expected.request.method, expected.request.path):
            problem, drift = (
                f"{actual.method} {actual.path} instead of {expected.request.method} {expected.request.path}",
                None,
            )
        else:
            problem, drift = request_problems(expected.request.body, actual.body)
        if problem:
            return self._fail(f"request #{self.position + 1} differs from the recording: {problem}")
        if drift:
            self.drift.append(f"request #{self.position + 1}: {drift}")
        self.position += 1
        return _replayed(request, expected.response)

    def _fail(self, message: str) -> httpx.Response:
        self.errors.append(message)
        raise CassetteError(message)

    def unused(self) -> int:
        """Recorded exchanges the run did not ask for."""
        return len(self.cassette.exchanges) - self.position


class ReplayTransport(httpx.BaseTransport):
    """Serves recorded responses; never opens a connection."""

    def __init__(self, player: Player) -> None:
        self.player = player

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The recorded response for this request (or a loud CassetteError)."""
        return self.player.respond(request)


class AsyncReplayTransport(httpx.AsyncBaseTransport):
    """The async twin of ReplayTransport."""

    def __init__(self, player: Player) -> None:
        self.player = player

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The recorded response for this request (or a loud CassetteError)."""
        return self.player.respond(request)


def cassette_path(folder: Path, cassette_set: str, scenario_id: str) -> Path:
    """`<folder>/<set>/<scenario>.json`."""
    return folder / cassette_set / f"{scenario_id}.json"
