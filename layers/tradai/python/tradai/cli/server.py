"""`tradai serve` and `tradai health`: run the local API server and probe a running one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import typer

from tradai.settings import get_settings

LOCAL_APP_FACTORY = "tradai.api.local:create_local_app"


def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default: TRADAI_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to bind (default: TRADAI_PORT, 8000)."),
    reload: bool = typer.Option(False, "--reload", help="Restart on code changes (development)."),
) -> None:
    """Serve the TradAI API, WebSocket and docs on the local runtime."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        LOCAL_APP_FACTORY,
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        log_config=None,  # TradAI's JSON logging is configured by the app factory
        access_log=False,
    )


def health(
    url: str | None = typer.Option(None, help="Base URL of a TradAI API (default: the local server)."),
    timeout: float = typer.Option(5.0, help="Seconds to wait for an answer."),
) -> None:
    """Ask a TradAI API for its health; exit 0 only when it answers healthy."""
    settings = get_settings()
    base = (url or f"http://{settings.host}:{settings.port}").rstrip("/")
    request = urllib.request.Request(f"{base}/api/v1/health", headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = _json_or_none(error.read())
        if body is None:
            typer.echo(f"unhealthy: HTTP {error.code} from {base}", err=True)
            raise typer.Exit(1) from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        typer.echo(f"unreachable: {base} ({error})", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(body, indent=2))
    raise typer.Exit(0 if body.get("healthy") else 1)


def _json_or_none(raw: bytes) -> dict[str, object] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def register(app: typer.Typer) -> None:
    """Add the server commands to the `tradai` app."""
    app.command()(serve)
    app.command()(health)
