"""`GET /api/v1/health`: public; probes every dependency; 503 with the same body when unhealthy."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from tradai import __version__
from tradai.api.deps import ContainerDep
from tradai.api.schemas.health import DependencyCheck, HealthResponse
from tradai.domain.clock import utc_now
from tradai.services.health import check_health

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Service health with a real probe of each dependency",
    responses={503: {"model": HealthResponse, "description": "A dependency failed its probe"}},
)
def get_health(container: ContainerDep) -> JSONResponse:
    report = check_health(probes=container.probes)
    body = HealthResponse(
        healthy=report.healthy,
        status="healthy" if report.healthy else "unhealthy",
        service=container.settings.service_name,
        version=__version__,
        runtime=container.settings.runtime,
        timestamp=utc_now(),
        checks={
            name: DependencyCheck(
                status="ok" if check.status == "ok" else "error",
                adapter=check.adapter,
                latency_ms=check.latency_ms,
                detail=check.detail,
            )
            for name, check in report.checks.items()
        },
    )
    return JSONResponse(status_code=200 if report.healthy else 503, content=body.model_dump(mode="json"))
