"""Record and replay: secrets stripped, responses served in order, a changed request fails loudly, the committed
smoke cassettes replay offline, and a record-then-replay round trip against the local scripted stub."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest

from account_intel.content import CONTENT_FOLDERS, content_root
from account_intel.evals.cassettes import (
    Cassette,
    CassetteError,
    Player,
    Recorder,
    RecordingTransport,
    ReplayTransport,
    strip_secrets,
)
from account_intel.evals.runner import RunOptions, run_evals
from account_intel.evals.stub_script import ScriptedModel, load_script
from account_intel.evals.stub_server import running_stub
from account_intel.settings import Settings
from tests.test_evals_support import EVALS

# Eval fixture stores are SQLite files whatever the test database is: the PostgreSQL pass of .ci/run would only
# repeat these (slow) runs, so they run in the SQLite pass alone.
pytestmark = pytest.mark.skipif(bool(os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")), reason="SQLite-only eval runs")

BODY = {
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}],
    "api_key": "sk-live",
    "nested": {"Authorization": "Bearer x"},
}


def _echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"echo": json.loads(request.content)["messages"][0]["content"]})


def test_recording_strips_secrets_and_keeps_no_headers() -> None:
    assert strip_secrets(BODY) == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "nested": {}}
    recorder = Recorder({"set": "t"})
    client = httpx.Client(transport=RecordingTransport(recorder, httpx.MockTransport(_echo)))
    response = client.post(
        "http://llm.test/v1/chat/completions", json=BODY, headers={"Authorization": "Bearer sk-live"}
    )
    assert response.json() == {"echo": "hi"}
    text = recorder.cassette.model_dump_json()
    assert "sk-live" not in text and "Bearer" not in text
    (exchange,) = recorder.cassette.exchanges
    assert exchange.request.path == "/v1/chat/completions" and exchange.response.body == {"echo": "hi"}


def test_replay_serves_in_order_and_fails_loudly_on_a_changed_request() -> None:
    recorder = Recorder()
    client = httpx.Client(transport=RecordingTransport(recorder, httpx.MockTransport(_echo)))
    client.post("http://llm.test/v1/chat/completions", json=BODY)
    player = Player(recorder.cassette)
    replay = httpx.Client(transport=ReplayTransport(player))
    assert replay.post("http://elsewhere.invalid/v1/chat/completions", json=BODY).json() == {"echo": "hi"}
    assert player.unused() == 0
    changed = {**BODY, "messages": [{"role": "user", "content": "hello"}]}
    with pytest.raises(CassetteError, match=r"request #2 .* only 1 exchanges"):
        replay.post("http://elsewhere.invalid/v1/chat/completions", json=changed)
    player = Player(recorder.cassette)
    difference = r"body\.messages\[0\]\.content \(at character 1\): recorded 'hi', sent 'hello'"
    with pytest.raises(CassetteError, match=difference):
        httpx.Client(transport=ReplayTransport(player)).post("http://x.invalid/v1/chat/completions", json=changed)
    assert player.errors and player.position == 0


TOOL_BODY = {
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}],
    "tool_choice": "auto",
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "Answer",
                "description": "The answer.",
                "parameters": {"properties": {"id": {"type": "string", "pattern": "^[a-z]+$"}}},
            },
        }
    ],
}


def _replay_one(recorded: dict[str, object], sent: dict[str, object]) -> Player:
    recorder = Recorder()
    httpx.Client(transport=RecordingTransport(recorder, httpx.MockTransport(_echo))).post(
        "http://llm.test/v1/chat/completions", json=recorded
    )
    player = Player(recorder.cassette)
    httpx.Client(transport=ReplayTransport(player)).post("http://x.invalid/v1/chat/completions", json=sent)
    return player


def test_schema_drift_in_tool_parameters_is_reported_not_failed() -> None:
    sent = json.loads(json.dumps(TOOL_BODY))
    del sent["tools"][0]["function"]["parameters"]["properties"]["id"]["pattern"]
    player = _replay_one(TOOL_BODY, sent)
    assert player.errors == [] and player.unused() == 0
    (drift,) = player.drift
    assert "tools[0].function.parameters.properties.id.pattern: missing from the request" in drift


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("tools", 0, "function", "name"), "Other", r"tools\[0\]\.name"),
        (("tools", 0, "function", "description"), "Changed.", r"tools\[0\]\.description"),
        (("tool_choice",), "required", r"tool_choice"),
        (("messages", 0, "content"), "hello", r"messages\[0\]\.content"),
    ],
)
def test_what_decides_the_answer_must_match(path: tuple[object, ...], value: str, where: str) -> None:
    sent = json.loads(json.dumps(TOOL_BODY))
    target = sent
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(CassetteError, match=where):
        _replay_one(TOOL_BODY, sent)


def _options(evals_dir: Path, out: Path, **kw: object) -> RunOptions:
    return RunOptions(
        brain="llm",
        evals_dir=evals_dir,
        out_dir=out,
        day=date(2024, 11, 30),
        settings=Settings(),
        **kw,  # type: ignore[arg-type]
    )


def test_the_committed_smoke_cassettes_replay_offline(tmp_path: Path) -> None:
    result = run_evals(_options(EVALS, tmp_path, mode="replay", scenario_ids=("hard-free-text-department",)))
    (scenario,) = result.scenarios
    (account,) = scenario.repeats[0].accounts
    assert account.error is None, account.error
    assert all(b["brain"] == "llm" and b["fallback"] is None for b in account.brains.values())
    assert result.stamp.mode == "replay" and result.stamp.tokens["calls"] == 7
    assert scenario.llm_checks == "2/2"  # what the rules brain misses reaches the brief through the llm path
    assert result.safety_ok


def _evals_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "evals"
    shutil.copytree(EVALS / "datasets", folder / "datasets")
    shutil.copy(EVALS / "tolerances.yaml", folder / "tolerances.yaml")
    (folder / "cassettes" / "smoke").mkdir(parents=True)
    shutil.copy(EVALS / "cassettes" / "smoke" / "stub_script.yaml", folder / "cassettes" / "smoke")
    return folder


def test_record_against_the_stub_then_replay_and_a_changed_prompt_is_a_loud_mismatch(tmp_path: Path) -> None:
    evals = _evals_copy(tmp_path)
    ids = ("hard-injection-note",)
    model = ScriptedModel(load_script(evals / "cassettes" / "smoke" / "stub_script.yaml"))
    secret = Settings(openai_api_key="sk-secret-for-test")  # type: ignore[arg-type]
    with running_stub(model) as url:
        recorded = run_evals(
            RunOptions(
                brain="llm",
                evals_dir=evals,
                out_dir=tmp_path / "out",
                day=date(2024, 11, 30),
                settings=secret,
                mode="record",
                scenario_ids=ids,
                stub=model,
                stub_base_url=url,
                model="scripted-stub",
            )
        )
    assert recorded.scenarios[0].repeats[0].accounts[0].error is None
    path = evals / "cassettes" / "smoke" / "hard-injection-note.json"
    text = path.read_text(encoding="utf-8")
    assert "sk-secret-for-test" not in text
    cassette = Cassette.load(path)
    assert (
        cassette.meta["model"] == "scripted-stub" and len(cassette.exchanges) == 7
    )  # six agent turns and the reading of the free text
    replayed = run_evals(_options(evals, tmp_path / "out", mode="replay", scenario_ids=ids))
    assert replayed.scenarios[0].repeats[0].accounts[0].error is None
    assert replayed.metrics["safety"].mean == 1.0
    content = tmp_path / "content"
    for name in CONTENT_FOLDERS:
        shutil.copytree(content_root() / name, content / name)
    spec = content / "agents" / "health-scorer.md"
    spec.write_text(spec.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    changed = run_evals(
        RunOptions(
            brain="llm",
            evals_dir=evals,
            out_dir=tmp_path / "out",
            day=date(2024, 11, 30),
            settings=Settings(content_dir=content),
            mode="replay",
            scenario_ids=ids,
        )
    )
    error = changed.scenarios[0].repeats[0].accounts[0].error or ""
    assert "differs from the recording" in error and "re-record it" in error
    assert not changed.scenarios[0].passed
