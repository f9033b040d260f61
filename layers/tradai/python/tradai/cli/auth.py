"""`tradai auth token`: a dev token for trying authentication locally (TRADAI_AUTH=dev)."""

from __future__ import annotations

import typer

from tradai.settings import get_settings

auth_app = typer.Typer(help="Authentication helpers.", no_args_is_help=True)


@auth_app.command()
def token(
    sub: str = typer.Option(..., "--sub", help="The user the token is for."),
    groups: list[str] = typer.Option(
        [], "--groups", help="Cognito-style groups: viewer, trader, admin (repeatable or comma-separated)."
    ),
    ttl: int = typer.Option(3600, help="Seconds until the token expires.", min=60, max=86400),
) -> None:
    """Print an access token signed with the local dev key (the server must run with TRADAI_AUTH=dev)."""
    from tradai.adapters.dev_keys import DevTokenKeys

    names = [name.strip() for value in groups for name in value.split(",") if name.strip()]
    keys = DevTokenKeys(get_settings().dev_signing_key_path)
    typer.echo(keys.sign(subject=sub, groups=names, ttl_seconds=ttl))


def register(app: typer.Typer) -> None:
    """Add the `auth` command group to the `tradai` app."""
    app.add_typer(auth_app, name="auth")
