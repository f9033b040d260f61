"""The route groups. Importing any of them first stops FastAPI's route registration from importing
`pydantic.v1` (see `tradai.api.fastapi_compat`)."""

from tradai.api.fastapi_compat import skip_pydantic_v1_probe

skip_pydantic_v1_probe()
