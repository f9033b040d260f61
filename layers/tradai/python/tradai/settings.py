"""Every setting TradAI reads, from `TRADAI_*` environment variables (or a `.env` file).

This is the only module that reads the environment; everything else receives a
`Settings` object, usually through `get_settings()`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Runtime = Literal["local", "aws"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """TradAI configuration. Defaults run the local runtime with no configuration at all."""

    model_config = SettingsConfigDict(
        env_prefix="TRADAI_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    runtime: Runtime = "local"
    environment: str = Field(default="dev", description="Deployment stage name: dev, staging, prod, ...")
    service_name: str = "TradAI"

    # Local runtime
    data_dir: Path = Path(".tradai")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # HTTP surface
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["*"])
    log_level: LogLevel = "INFO"

    # AWS runtime: resource names come from the CDK stacks' outputs, passed as function environment.
    aws_region: str = "eu-central-1"
    table_name: str = "tradai-dev"
    artifacts_bucket: str = "tradai-artifacts-dev"
    aws_endpoint_url: str | None = Field(
        default=None, description="Override of AWS endpoints, for moto's server or LocalStack."
    )

    # SQLite store: how long a writer waits for another process's lock before the store reports busy.
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated list, as seed 002's BACKEND_CORS_ORIGINS does."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_open_cors_in_production(self) -> Settings:
        if self.environment == "prod" and "*" in self.cors_origins:
            raise ValueError("TRADAI_CORS_ORIGINS must list explicit origins when TRADAI_ENVIRONMENT=prod")
        return self

    @property
    def store_path(self) -> Path:
        """The SQLite file holding all local metadata."""
        return self.data_dir / "tradai.sqlite3"

    @property
    def blob_dir(self) -> Path:
        """The folder holding local blobs (equity curves, trades, reports, charts)."""
        return self.data_dir / "blobs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
