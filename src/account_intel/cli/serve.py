"""`account-intel serve`: the web app and the HTTP API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from account_intel.cli.common import DbOption, console, settings_for


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Trust X-Forwarded-Proto/For from a TLS proxy on loopback (cookies are then Secure).",
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Serve the web app (portfolio, accounts, sign-in) and the JSON API (/api/v1, docs at /api/docs)."""
    import uvicorn

    from account_intel.web.app import create_app

    settings = settings_for(db)
    app = create_app(settings)
    console.print(f"account-intel on http://{host}:{port}/ (API docs: /api/docs); Ctrl+C stops it.", highlight=False)
    uvicorn.run(
        app, host=host, port=port, proxy_headers=proxy_headers, forwarded_allow_ips="127.0.0.1", log_level="info"
    )
