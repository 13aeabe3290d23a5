"""Any failure of the model path ends in the rules brain's answer, flagged, with no secret in what is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st
from langgraph.errors import GraphRecursionError
from sqlalchemy import select

from account_intel.agents.brains import AgentRunner
from account_intel.redaction import REDACTED, redact
from account_intel.store.engine import Store
from account_intel.store.models import AgentRun
from tests.agents.support import _brief, _settings
from tests.llm_scripts import BASE_URL

KEY = "sk-live-0123456789abcdefSECRET"


def _echoing_key(request: httpx.Request) -> httpx.Response:
    """An endpoint that quotes the key it was sent in its error (some gateways do)."""
    sent = request.headers.get("authorization", "")
    return httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {sent.split()[-1]}"}})


def test_an_endpoint_echoing_the_key_never_gets_it_stored_or_printed(
    store: Store, tmp_path: Path, respx_mock: respx.MockRouter
) -> None:
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=_echoing_key)
    settings = _settings(tmp_path, openai_api_key=KEY)
    result = _brief(store, settings, tmp_path)
    assert result.status in {"completed", "awaiting_approval"}
    assert all(b["brain"] == "rules" and b["fallback"] for b in result.brains.values())
    assert any(REDACTED in str(b["fallback"]) for b in result.brains.values())
    with store.sessions() as session:
        rows = [json.dumps(r.brains) + str(r.error) for r in session.scalars(select(AgentRun))]
    assert rows and not any(KEY in row or "0123456789abcdef" in row for row in rows)
    assert KEY not in result.model_dump_json()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path  # store, checkpoints, deliverables


@pytest.mark.parametrize("error", [GraphRecursionError("Recursion limit of 25 reached"), KeyError("tool_calls")])
def test_any_agent_error_falls_back_to_rules_and_is_flagged(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, respx_mock: respx.MockRouter, error: Exception
) -> None:
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(return_value=httpx.Response(500, json={"error": "down"}))

    def broken(self: AgentRunner, agent: str, ctx: Any, task: Any, **_: Any) -> Any:
        raise error

    monkeypatch.setattr(AgentRunner, "run_llm", broken)
    result = _brief(store, _settings(tmp_path), tmp_path)
    assert result.status in {"completed", "awaiting_approval"}
    flagged = {name: b["fallback"] for name, b in result.brains.items() if name != "text-reader"}
    assert flagged and all(str(reason).startswith(type(error).__name__) for reason in flagged.values())


KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


@given(key=st.text(alphabet=KEY_CHARS, min_size=8, max_size=60))
def test_redact_removes_a_known_secret_wherever_it_appears(key: str) -> None:
    text = f"401: key {key} refused; Authorization: Bearer {key}; api_key={key}"
    assert key not in redact(text, [key])
