"""Submit a backtest: `POST /api/v1/backtests` (seed 001).

A router of its own because a submission resolves the strategy through the engine's catalog
(numpy, pandas, numba) and checks the stored bars (ArcticDB): in AWS it runs from the worker image
(`functions/engine_routes`), while the other backtest routes stay on the light Lambda with SnapStart.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, status

from tradai.api.auth import Trader
from tradai.api.deps import ContainerDep
from tradai.api.limits import rate_limited
from tradai.api.schemas.backtest_submission import BacktestCreated, BacktestSubmit
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.services.backtest_submission import submit_backtest
from tradai.services.rate_limits import RateLimit

router = APIRouter(prefix="/api/v1/backtests", tags=["backtests"])


@router.post(
    "",
    response_model=BacktestCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Submit a backtest job (asynchronous)",
    dependencies=[
        Depends(rate_limited("submit_backtest", lambda s: RateLimit(s.rate_limit_backtests_per_minute)))
    ],
)
def submit(
    container: ContainerDep,
    principal: Trader,
    body: BacktestSubmit,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=128,
            description="Retries with the same key return the same job, unless it could not be started",
        ),
    ] = None,
) -> BacktestCreated:
    submission = submit_backtest(
        store=container.store,
        catalog=container.strategy_catalog(),
        bars=container.market_data,
        executor=container.executor,
        spec=BacktestSpec.model_validate(body.model_dump()),
        owner=principal.subject,
        idempotency_key=idempotency_key,
        now=utc_now(),
    )
    job = submission.job
    return BacktestCreated(job_id=job.job_id, status=job.status, created_at=job.created_at)
