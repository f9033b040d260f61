"""FastAPI dependencies as `Annotated` aliases; routers declare what they need by type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tradai.bootstrap import Container


def get_container(request: Request) -> Container:
    """The process's adapters, built on first use by the app factory's provider."""
    provider = request.app.state.container_provider
    container: Container = provider()
    return container


ContainerDep = Annotated[Container, Depends(get_container)]
