"""Champion/challenger: `/api/v1/strategies/{name}/ab-test` and `/routing-info` (seed 000)."""

from __future__ import annotations

from fastapi import APIRouter

from tradai.api.auth import Admin, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.ab_tests import AbTestStart, RoutingInfoPublic
from tradai.api.schemas.common import error_doc
from tradai.domain.clock import utc_now
from tradai.services import ab_tests

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])


@router.get(
    "/{name:strategy_ref}/routing-info",
    response_model=RoutingInfoPublic,
    summary="Champion, challenger, the running A/B test, its arms and its decision",
)
def get_routing_info(container: ContainerDep, _: Viewer, name: StrategyName) -> RoutingInfoPublic:
    return RoutingInfoPublic.of(ab_tests.routing_info(store=container.store, name=name))


@router.post(
    "/{name:strategy_ref}/ab-test",
    response_model=RoutingInfoPublic,
    summary="Start an A/B test of a challenger version against the champion",
    responses=error_doc(404, "No such strategy or version")
    | error_doc(409, "No champion, the challenger is the champion, or a test is running"),
)
def start_ab_test(
    container: ContainerDep, _: Admin, name: StrategyName, body: AbTestStart
) -> RoutingInfoPublic:
    info = ab_tests.start_ab_test(
        store=container.store,
        name=name,
        challenger_version=body.challenger_version,
        traffic_split=body.traffic_split,
        min_trades=body.min_trades,
        now=utc_now(),
    )
    return RoutingInfoPublic.of(info)


@router.delete(
    "/{name:strategy_ref}/ab-test",
    response_model=RoutingInfoPublic,
    summary="End the A/B test; answers its final arms and decision",
    responses=error_doc(404, "No such strategy, or no test running"),
)
def stop_ab_test(container: ContainerDep, _: Admin, name: StrategyName) -> RoutingInfoPublic:
    return RoutingInfoPublic.of(ab_tests.stop_ab_test(store=container.store, name=name))
