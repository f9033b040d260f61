"""Per-environment settings of the app, read from cdk.json's `environments` context block."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Environment, RemovalPolicy
from aws_cdk.aws_logs import RetentionDays

from cdk.constants import CONTEXT_ENVIRONMENT, CONTEXT_ENVIRONMENTS, DEFAULT_ENVIRONMENT

_RETENTION = {
    7: RetentionDays.ONE_WEEK,
    14: RetentionDays.TWO_WEEKS,
    30: RetentionDays.ONE_MONTH,
    90: RetentionDays.THREE_MONTHS,
    180: RetentionDays.SIX_MONTHS,
    365: RetentionDays.ONE_YEAR,
}
PLACEHOLDER_ACCOUNT = "000000000000"
"""cdk.json ships this account; `cdk deploy` then uses the account of the caller's credentials."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that differs between dev, staging and prod."""

    name: str
    account: str | None
    region: str
    availability_zones: tuple[str, ...]
    """Explicit AZs so the VPC needs no AWS lookup at synth (synth runs offline)."""
    nat_gateways: int
    log_retention_days: int
    removal_policy: str
    """`destroy` (dev: `cdk destroy` cleans up) or `retain` (staging, prod keep data)."""
    cors_origins: tuple[str, ...]
    callback_urls: tuple[str, ...]
    """Where the SPA's hosted-UI sign-in returns (the Amplify app's URLs)."""
    cognito_domain_prefix: str
    """The Cognito hosted domain prefix (global per region): the token endpoint's host."""
    mfa_required: bool
    db_instance_type: str
    """MLflow's PostgreSQL instance class without the `db.` prefix, e.g. `t4g.micro`."""
    db_multi_az: bool
    db_backup_days: int
    worker_cpu: int
    """Fargate CPU units of one backtest chunk task (1024 = 1 vCPU)."""
    worker_memory_mib: int
    instance_cpu: int
    """Fargate CPU units of one dry-run or live strategy instance."""
    instance_memory_mib: int
    mlflow_cpu: int
    mlflow_memory_mib: int
    live_trading: bool = False
    """Whether strategy instances may trade live (real orders): `TRADAI_LIVE_TRADING` on the instance
    task and the functions that start instances. Off in every environment until an operator turns it
    on in cdk.json on purpose; keys alone do not enable it."""
    custom_domain: str | None = None
    """The HTTP API's custom domain (e.g. `api.tradai.example.com`), optional; needs the certificate."""
    custom_domain_certificate_arn: str | None = None
    """An ACM certificate for `custom_domain`, in the stack's region (regional endpoint)."""

    @property
    def env(self) -> Environment:
        """The CDK environment the stacks deploy to."""
        return Environment(account=self.account, region=self.region)

    @property
    def removal(self) -> RemovalPolicy:
        """The removal policy of data-holding resources."""
        return RemovalPolicy.DESTROY if self.removal_policy == "destroy" else RemovalPolicy.RETAIN

    @property
    def log_retention(self) -> RetentionDays:
        """Log group retention as the CDK enum."""
        return _RETENTION[self.log_retention_days]

    @property
    def is_production(self) -> bool:
        """Prod gets deletion protection and no open CORS."""
        return self.name == "prod"


def load_config(context: Mapping[str, Any], *, default_account: str | None = None) -> EnvironmentConfig:
    """Build the config of the environment named by the `env` context value (default `dev`).

    Args:
        context: The app's context: `env` and the `environments` mapping of cdk.json.
        default_account: The caller's account (CDK_DEFAULT_ACCOUNT) used when cdk.json holds the
            placeholder account.

    Raises:
        ValueError: The environment is not defined in cdk.json, prod allows any CORS origin, a
            custom domain has no certificate, or `live_trading` is not a JSON boolean.
    """
    name = str(context.get(CONTEXT_ENVIRONMENT) or DEFAULT_ENVIRONMENT)
    environments: Mapping[str, Mapping[str, Any]] = context.get(CONTEXT_ENVIRONMENTS) or {}
    if name not in environments:
        raise ValueError(f"unknown environment {name!r}; cdk.json defines {sorted(environments)}")
    raw = environments[name]
    account = str(raw["account"])
    config = EnvironmentConfig(
        name=name,
        account=default_account if account == PLACEHOLDER_ACCOUNT else account,
        region=str(raw["region"]),
        availability_zones=tuple(raw["availability_zones"]),
        nat_gateways=int(raw["nat_gateways"]),
        log_retention_days=int(raw["log_retention_days"]),
        removal_policy=str(raw["removal_policy"]),
        cors_origins=tuple(raw["cors_origins"]),
        callback_urls=tuple(raw["callback_urls"]),
        cognito_domain_prefix=str(raw["cognito_domain_prefix"]),
        mfa_required=bool(raw["mfa_required"]),
        db_instance_type=str(raw["db_instance_type"]),
        db_multi_az=bool(raw["db_multi_az"]),
        db_backup_days=int(raw["db_backup_days"]),
        worker_cpu=int(raw["worker_cpu"]),
        worker_memory_mib=int(raw["worker_memory_mib"]),
        instance_cpu=int(raw["instance_cpu"]),
        instance_memory_mib=int(raw["instance_memory_mib"]),
        mlflow_cpu=int(raw["mlflow_cpu"]),
        mlflow_memory_mib=int(raw["mlflow_memory_mib"]),
        live_trading=_flag(raw, "live_trading"),
        custom_domain=raw.get("custom_domain") or None,
        custom_domain_certificate_arn=raw.get("custom_domain_certificate_arn") or None,
    )
    if config.log_retention_days not in _RETENTION:
        raise ValueError(f"log_retention_days must be one of {sorted(_RETENTION)}")
    if config.custom_domain and not config.custom_domain_certificate_arn:
        raise ValueError(f"custom_domain {config.custom_domain!r} needs custom_domain_certificate_arn (ACM)")
    if config.is_production and "*" in config.cors_origins:
        raise ValueError("prod must list explicit CORS origins (seed 001: only dev allows '*')")
    return config


def _flag(raw: Mapping[str, Any], key: str) -> bool:
    """An optional JSON boolean (default false); a string such as `"false"` is refused, not read as true."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, not {value!r}")
    return value
