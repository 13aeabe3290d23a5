"""`account-intel mcp`: serve the read tools and the draft tool to an outside agent over MCP (stdio)."""

from __future__ import annotations

from account_intel.cli.common import AsOfOption, DbOption, err_console, open_store, parse_date


def mcp_command(as_of: AsOfOption = None, db: DbOption = None) -> None:
    """Serve MCP on stdin/stdout as the user your token proves (ACCOUNT_INTEL_TOKEN or HOME/credentials): the read
    tools and the draft tool; drafts wait for approval, and nothing sends."""
    import anyio

    from account_intel.mcp_server.server import build_server, open_session, serve_stdio

    store, settings = open_store(db)
    session = open_session(store, settings, as_of=parse_date(as_of))
    err_console.print(
        f"MCP server for {session.user_id}, as of {session.as_of}: {len(session.tools)} tools on stdio.",
        highlight=False,
    )
    anyio.run(serve_stdio, build_server(session))
