"""How every `tradai` command reports a failure: one line on stderr and exit status 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn a TradAI error raised inside the block into `error [CODE]: detail` and exit 2."""
    from tradai.domain.errors import TradaiError

    try:
        yield
    except TradaiError as error:
        typer.echo(f"error [{error.code}]: {error.detail}", err=True)
        raise typer.Exit(2) from None
