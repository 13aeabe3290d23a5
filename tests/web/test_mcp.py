"""The MCP server: the agents' read tools and draft tool, under the caller's token, role and the gate; nothing
sends. Driven in-process with the SDK's client, and once over stdio as an outside agent starts it."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from sqlalchemy import update

from account_intel.domain.enums import MessageStatus
from account_intel.mcp_server.server import DRAFT_TOOL, build_server, open_session
from account_intel.settings import Settings
from account_intel.store.models import ApiToken, OutboundMessage
from account_intel.tools.registry import all_tools
from tests.web.support import Web


def _settings(web: Web, role: str) -> Settings:
    return Settings(home=web.home, db_url=web.url, token=web.tokens[role])


def _run(web: Web, role: str, steps: Any) -> Any:
    session = open_session(web.store, _settings(web, role), clock=web.clock)

    async def main() -> Any:
        async with Client(build_server(session)) as client:
            return await steps(client)

    return _in_thread(main)


def _in_thread(main: Any) -> Any:
    """Run a coroutine function on its own event loop in a fresh thread, whatever loop this thread has."""
    box: list[Any] = []
    worker = threading.Thread(target=lambda: box.append(anyio.run(main)))
    worker.start()
    worker.join()
    assert box, "the MCP exchange raised (see the thread's traceback above)"
    return box[0]


def test_it_offers_the_read_tools_and_the_draft_tool_and_no_tool_that_writes_or_sends(web: Web) -> None:
    async def steps(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {t.name: t for t in _run(web, "manager", steps)}
    registry = {t.name: t for t in all_tools()}
    reads = {n for n, t in registry.items() if t.metadata and t.metadata["side_effect"] == "read"}
    assert set(tools) == reads | {DRAFT_TOOL}
    assert tools["get_account_profile"].description == registry["get_account_profile"].description
    assert "runtime" not in json.dumps(tools[DRAFT_TOOL].input_schema)
    assert tools["get_account_profile"].annotations.read_only_hint is True


def test_reads_return_the_tools_results_and_a_draft_cites_only_what_was_read(web: Web) -> None:
    async def steps(client: Client) -> Any:
        profile = await client.call_tool("get_account_profile", {"account_id": "ACCT-2001"})
        unknown = await client.call_tool(
            DRAFT_TOOL,
            {"contact": "Tom Wilson", "subject": "Hi", "body": "Hello", "reason": "test", "evidence_ids": ["made:up"],
             "account_id": "ACCT-2001"},
        )  # fmt: skip
        cited = profile.structured_content["evidence"][0]["id"]
        draft = await client.call_tool(
            DRAFT_TOOL,
            {"contact": "Tom Wilson", "subject": "Marketing seats", "body": "Shall we talk about Marketing?",
             "reason": "hiring", "evidence_ids": [cited], "account_id": "ACCT-2001"},
        )  # fmt: skip
        return profile, unknown, draft

    profile, unknown, draft = _run(web, "AE", steps)
    assert not profile.is_error and profile.structured_content["name"] == "RetailCo"
    assert unknown.is_error and "not returned by a tool" in unknown.content[0].text
    assert not draft.is_error and draft.structured_content["status"] == "draft"  # stored, never sent
    with web.store.transaction() as session:
        message = session.get(OutboundMessage, draft.structured_content["draft_id"])
        assert message is not None and message.status is MessageStatus.DRAFT and message.sent_at is None
        assert message.created_by == web.user_ids["AE"]


def test_a_csm_may_read_and_draft_and_a_revoked_token_stops_the_next_call(web: Web) -> None:
    async def steps(client: Client) -> Any:
        first = await client.call_tool("get_health_breakdown", {"account_id": "ACCT-2001"})
        with web.store.transaction() as session:
            session.execute(update(ApiToken).values(revoked_at=web.clock.now()))
        second = await client.call_tool("get_health_breakdown", {"account_id": "ACCT-2001"})
        return first, second

    first, second = _run(web, "CSM", steps)
    assert not first.is_error
    assert second.is_error and "token is not valid" in second.content[0].text


def test_an_unknown_tool_says_what_is_offered_and_that_nothing_sends(web: Web) -> None:
    async def steps(client: Client) -> Any:
        return await client.call_tool("send_message", {"id": "MSG-1"})

    result = _run(web, "manager", steps)
    assert result.is_error and "Nothing here sends" in result.content[0].text


def test_an_outside_agent_starts_it_over_stdio_with_its_token(web: Web) -> None:
    env = {**os.environ, "ACCOUNT_INTEL_TOKEN": web.tokens["manager"], "ACCOUNT_INTEL_DB_URL": web.url,
           "ACCOUNT_INTEL_HOME": str(web.home)}  # fmt: skip
    params = StdioServerParameters(command=str(Path(sys.executable).with_name("account-intel")), args=["mcp"], env=env)

    async def main() -> Any:
        async with Client(params) as client:
            names = [t.name for t in (await client.list_tools()).tools]
            result = await client.call_tool("get_portfolio_pipeline", {})
            return names, result

    names, result = _in_thread(main)
    assert "get_account_profile" in names and DRAFT_TOOL in names
    assert not result.is_error


def test_without_a_token_the_server_does_not_start(web: Web, tmp_path: Path) -> None:
    from account_intel.errors import AuthenticationError

    with pytest.raises(AuthenticationError, match="needs your token"):
        open_session(web.store, Settings(home=tmp_path / "nobody", db_url=web.url))
