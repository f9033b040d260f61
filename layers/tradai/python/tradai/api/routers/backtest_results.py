"""Results of finished backtests: equity curve, report data, SVG charts and the HTML report (seed 001)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.backtests import JobId
from tradai.api.schemas.backtests import ChartLinks, EquityCurve, EquityPoint, ReportData
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob
from tradai.services import backtest_results
from tradai.services.charts import drawdown_svg, equity_svg
from tradai.services.job_repository import JobRepository
from tradai.services.report_html import render_report

router = APIRouter(prefix="/api/v1/backtests", tags=["backtest results"])

MaxPoints = Annotated[int, Query(ge=10, le=5000, description="Downsample to at most this many points")]


def _completed(container: Container, job_id: JobId) -> BacktestJob:
    return backtest_results.completed_job(jobs=JobRepository(container.store), job_id=str(job_id))


@router.get("/{job_id}/equity", response_model=EquityCurve, summary="Equity curve of a finished backtest")
def get_equity(
    container: ContainerDep, _: Viewer, job_id: JobId, max_points: MaxPoints = 1000
) -> EquityCurve:
    points = backtest_results.equity_curve(
        job=_completed(container, job_id), blobs=container.blobs, max_points=max_points
    )
    return EquityCurve(equity_curve=[EquityPoint.model_validate(point) for point in points])


@router.get(
    "/{job_id}/report-data", response_model=ReportData, summary="Full report data of a finished backtest"
)
def get_report_data(
    request: Request,
    container: ContainerDep,
    _: Viewer,
    job_id: JobId,
    trades_limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    trades_offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReportData:
    report = backtest_results.report_data(
        job=_completed(container, job_id),
        blobs=container.blobs,
        trades_limit=trades_limit,
        trades_offset=trades_offset,
    )
    charts = ChartLinks(
        equity_curve_url=str(request.url_for("get_chart", job_id=str(job_id), chart="equity")),
        drawdown_url=str(request.url_for("get_chart", job_id=str(job_id), chart="drawdown")),
    )
    return ReportData(**report, charts=charts)


@router.get(
    "/{job_id}/charts/{chart}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "An SVG chart"}},
    summary="A chart of a finished backtest (SVG)",
)
def get_chart(
    container: ContainerDep, _: Viewer, job_id: JobId, chart: Literal["equity", "drawdown"]
) -> Response:
    points = backtest_results.equity_curve(
        job=_completed(container, job_id), blobs=container.blobs, max_points=1000
    )
    svg = equity_svg(points) if chart == "equity" else drawdown_svg(points)
    return Response(content=svg, media_type="image/svg+xml")


@router.get(
    "/{job_id}/report",
    response_class=Response,  # errors stay JSON; only the 200 is HTML
    responses={200: {"content": {"text/html": {}}, "description": "A self-contained HTML report"}},
    summary="The HTML report of a finished backtest",
)
def get_report(container: ContainerDep, _: Viewer, job_id: JobId) -> HTMLResponse:
    job = _completed(container, job_id)
    report = backtest_results.report_data(job=job, blobs=container.blobs, trades_limit=500, trades_offset=0)
    equity = backtest_results.equity_curve(job=job, blobs=container.blobs, max_points=1000)
    return HTMLResponse(render_report(report=report, equity=equity))
