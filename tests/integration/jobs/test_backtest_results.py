"""Results routes on a job the real runner completed: equity, report data, SVG charts, HTML report."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.jobs.test_backtest_runner import container as container
from tests.integration.jobs.test_backtest_runner import run_mode
from tests.unit.jobs.conftest import new_job
from tradai.api.app import create_app
from tradai.api.routers import backtest_results, backtest_submission, backtests
from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(
        routers=[backtest_submission.router, backtests.router, backtest_results.router],
        settings=container.settings,
        container=container,
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def completed(container: Container) -> str:
    outcome, _, job_id = run_mode(container)
    jobs = JobRepository(container.store)
    JobReporter(job_id=job_id, jobs=jobs, events=None).complete(outcome)
    assert jobs.get(job_id).status is JobStatus.COMPLETED
    return job_id


def test_given_completed_job_when_equity_read_then_downsampled_with_seed_fields(
    client: TestClient, completed: str
) -> None:
    curve = client.get(f"/api/v1/backtests/{completed}/equity", params={"max_points": 50}).json()[
        "equity_curve"
    ]
    assert 2 < len(curve) <= 50
    assert set(curve[0]) >= {"timestamp", "portfolio_value", "drawdown_percent", "benchmark_price"}
    assert curve[0]["timestamp"] < curve[-1]["timestamp"]
    assert all(point["drawdown_percent"] <= 0 for point in curve)


def test_given_completed_job_when_report_data_paged_then_pages_add_up(
    client: TestClient, completed: str
) -> None:
    # When
    first = client.get(f"/api/v1/backtests/{completed}/report-data", params={"trades_limit": 2}).json()
    second = client.get(
        f"/api/v1/backtests/{completed}/report-data", params={"trades_limit": 2, "trades_offset": 2}
    ).json()

    # Then
    assert first["summary"]["strategy"] == "sma_cross"
    assert first["summary"]["period"] == "2024-01-01 to 2024-03-01"
    assert {"total_return", "sharpe_ratio", "max_drawdown", "win_rate", "profit_factor"} <= set(
        first["metrics"]
    )
    assert first["trades_total"] == second["trades_total"] > 3
    assert len(first["trades"]) == 2
    assert first["trades"][0] != second["trades"][0]
    assert "reasoning" in first["trades"][0]
    assert first["charts"]["equity_curve_url"].endswith(f"/api/v1/backtests/{completed}/charts/equity.svg")


@pytest.mark.parametrize("chart", ["equity", "drawdown"])
def test_given_completed_job_when_chart_fetched_then_svg_image(
    client: TestClient, completed: str, chart: str
) -> None:
    url = client.get(f"/api/v1/backtests/{completed}/report-data").json()["charts"][
        "equity_curve_url" if chart == "equity" else "drawdown_url"
    ]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")
    assert "<polyline" in response.text


def test_given_completed_job_when_report_opened_then_self_contained_html(
    client: TestClient, completed: str
) -> None:
    response = client.get(f"/api/v1/backtests/{completed}/report")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.count("<svg") == 2
    assert "sharpe_ratio" in html
    assert "<h2>Trades" in html
    assert "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # nothing fetched from elsewhere


@pytest.mark.parametrize("path", ["equity", "report-data", "report", "charts/equity.svg"])
def test_given_unfinished_or_unknown_job_when_results_read_then_409_or_404(
    client: TestClient,
    container: Container,
    path: str,
) -> None:
    running = new_job()
    jobs = JobRepository(container.store)
    jobs.create(running)
    jobs.transition(running.job_id, JobStatus.RUNNING, at=utc_now())
    busy: Any = client.get(f"/api/v1/backtests/{running.job_id}/{path}")
    assert busy.status_code == 409
    assert busy.json()["code"] == "JOB_NOT_COMPLETED"
    assert client.get(f"/api/v1/backtests/{uuid.uuid4()}/{path}").status_code == 404
