"""An MCP server (the official SDK's low-level `Server`) over the same tools the agents call.

What it offers is the tool registry itself: every tool whose side-effect class is `read`, and the draft tool, with
the names, descriptions and argument schemas of `tools/*.yaml`, so an outside agent reads exactly what our agents
read. A tool that writes to the store is not offered, and nothing sends: a draft waits in the store for the gate
like any agent's draft, and only a person's approval releases it.

Who calls is proven once, when the server starts, by the caller's personal token (`ACCOUNT_INTEL_TOKEN` or the
credentials file, as for the CLI), and again on every call (a revoked token or a deactivated user stops at once).
Reads need the READ permission and the draft tool needs DRAFT, from the same table the CLI and the web app use.
Evidence works as in a run: a draft may cite only evidence ids that a read tool returned in this session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import anyio
from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool
from mcp import types
from mcp.server.lowlevel import Server

from account_intel.auth.permissions import Action, authorize
from account_intel.auth.principal import current_user
from account_intel.clock import Clock, SystemClock
from account_intel.settings import Settings
from account_intel.store.data_date import data_as_of
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext
from account_intel.tools.registry import all_tools
from account_intel.tools.specs import SideEffect

DRAFT_TOOL = "draft_outbound_message"
SERVER_NAME = "account-intel"


@dataclass
class McpSession:
    """One MCP connection: the store, who it acts for, the day it reads, and the evidence its reads returned."""

    store: Store
    settings: Settings
    as_of: date
    user_id: str
    clock: Clock = field(default_factory=SystemClock)
    tools: dict[str, BaseTool] = field(default_factory=dict)
    context: ToolContext | None = None

    def __post_init__(self) -> None:
        for tool in all_tools(self.settings.content_dir):
            effect = SideEffect(tool.metadata["side_effect"]) if tool.metadata else SideEffect.WRITE
            if effect is SideEffect.READ or tool.name == DRAFT_TOOL:
                self.tools[tool.name] = tool
        self.context = ToolContext(
            sessions=self.store.sessions,
            settings=self.settings,
            as_of=self.as_of,
            actor=self.user_id,
            clock=self.clock,
            run_id=f"mcp:{self.user_id}",
        )

    def listed(self) -> list[types.Tool]:
        """The offered tools with their descriptions and argument schemas (the runtime argument left out)."""
        return [
            types.Tool(
                name=tool.name,
                description=tool.description,
                input_schema=_schema(tool),
                annotations=types.ToolAnnotations(
                    read_only_hint=tool.name != DRAFT_TOOL, destructive_hint=False, open_world_hint=False
                ),
            )
            for tool in self.tools.values()
        ]

    def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        """Run one tool as the session's user; a refusal or a tool error is a result with `is_error`, in words."""
        tool = self.tools.get(name)
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return _error(f"Unknown tool '{name}'. Tools offered here: {known}. Nothing here sends a message.")
        with self.store.transaction() as session:
            user = current_user(session, self.settings)  # the token, again: revoked or deactivated stops here
            if user.id != self.user_id:
                return _error("The token changed since this session started: start the MCP server again.")
            authorize(user, Action.DRAFT if name == DRAFT_TOOL else Action.READ)
        assert self.context is not None
        runtime = ToolRuntime(
            state={}, context=self.context, config={}, stream_writer=lambda _: None, tool_call_id="mcp", store=None
        )
        message = tool.invoke(
            {"type": "tool_call", "id": "mcp", "name": name, "args": {**arguments, "runtime": runtime}}
        )
        content = message.content if isinstance(message.content, str) else json.dumps(message.content)
        if getattr(message, "status", "success") == "error":
            return _error(content)
        try:
            structured = json.loads(content)
        except json.JSONDecodeError:
            structured = None
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=content)],
            structured_content=structured if isinstance(structured, dict) else None,
        )


def _schema(tool: BaseTool) -> dict[str, Any]:
    schema = tool.get_input_schema().model_json_schema() if tool.args_schema is None else _model_schema(tool)
    schema.get("properties", {}).pop("runtime", None)
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r != "runtime"]
    schema.setdefault("type", "object")
    return schema


def _model_schema(tool: BaseTool) -> dict[str, Any]:
    model = tool.args_schema
    return dict(model.model_json_schema()) if hasattr(model, "model_json_schema") else dict(model)  # type: ignore[union-attr]


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def open_session(
    store: Store, settings: Settings, *, as_of: date | None = None, clock: Clock | None = None
) -> McpSession:
    """Prove the caller by their token and fix the day the tools read (the store's data date unless given)."""
    with store.transaction() as session:
        user = current_user(session, settings)
        authorize(user, Action.READ)
        day = as_of or data_as_of(session) or (clock or SystemClock()).now().date()
        user_id = user.id
    return McpSession(store=store, settings=settings, as_of=day, user_id=user_id, clock=clock or SystemClock())


def build_server(mcp_session: McpSession) -> Server[Any]:
    """The MCP server over one session."""

    async def on_list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=mcp_session.listed())

    async def on_call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        try:
            return await anyio.to_thread.run_sync(mcp_session.call, params.name, arguments)
        except Exception as exc:  # a refusal in words (permission, token), never a crashed server
            return _error(str(exc) or type(exc).__name__)

    return Server(
        SERVER_NAME,
        version="1",
        instructions=(
            f"Account intelligence as of {mcp_session.as_of}: read accounts, health, whitespace, signals, "
            "opportunities and the portfolio; draft a message to a contact (it waits for a person's approval; "
            "nothing here sends). "
            "Cite only evidence ids the read tools returned."
        ),
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


async def serve_stdio(server: Server[Any]) -> None:
    """Serve over standard input and output (how desktop agents start an MCP server)."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
