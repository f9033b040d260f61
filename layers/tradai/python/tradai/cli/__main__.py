"""`python -m tradai.cli`: the same as the `tradai` command."""

from tradai.cli import app

app()
