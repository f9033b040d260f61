"""Authentication and roles as FastAPI dependencies.

Routers declare the least role a route needs: `Viewer`, `Trader` or `Admin` in a signature (or
`dependencies=[Depends(require(Role.VIEWER))]` on a router). Health and the docs declare nothing
and stay public. With authentication off every caller is the local admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tradai.api.deps import ContainerDep
from tradai.domain.errors import Forbidden, NotAuthenticated
from tradai.domain.identity import ANONYMOUS_ADMIN, Principal, Role

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="CognitoBearer",
    description="A Cognito access token (or `tradai auth token` output when TRADAI_AUTH=dev).",
)


def current_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from the `Authorization: Bearer` token."""
    if container.authenticator is None:
        return ANONYMOUS_ADMIN
    if credentials is None:
        raise NotAuthenticated("Not authenticated")
    return container.authenticator.authenticate(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(role: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through callers holding `role` or a higher one."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.may(role):
            raise Forbidden(f"this action needs the {role.name.lower()} role")
        return principal

    check.__name__ = f"require_{role.name.lower()}"
    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Trader = Annotated[Principal, Depends(require(Role.TRADER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
