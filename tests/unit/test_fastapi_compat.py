"""FastAPI's pydantic.v1 check, answered without importing pydantic.v1 until something else does."""

from __future__ import annotations

import warnings

import pytest
from fastapi import APIRouter
from fastapi._compat import shared
from fastapi.exceptions import PydanticV1NotSupportedError

from tradai.api import routers  # noqa: F401 - importing the route groups installs the check
from tradai.api.fastapi_compat import skip_pydantic_v1_probe


def test_given_pydantic_v1_loaded_when_a_route_returns_a_v1_model_then_fastapi_still_refuses_it() -> None:
    # Given: a pydantic.v1 model (so pydantic.v1 is imported, as in any process that has one)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        from pydantic import v1

    class Legacy(v1.BaseModel):
        name: str

    router = APIRouter()

    # When / Then: FastAPI's own refusal, unchanged
    with pytest.raises(PydanticV1NotSupportedError):
        router.add_api_route("/legacy", lambda: None, response_model=Legacy)


def test_given_the_check_installed_when_installing_again_then_it_is_not_wrapped_twice() -> None:
    # Given
    installed = shared.is_pydantic_v1_model_class

    # When
    skip_pydantic_v1_probe()

    # Then
    assert shared.is_pydantic_v1_model_class is installed
    assert getattr(installed, "skips_unloaded_v1", False)
