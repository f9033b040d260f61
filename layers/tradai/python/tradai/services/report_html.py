"""A self-contained HTML report of a finished backtest: metrics, charts and trades in one file."""

from __future__ import annotations

from html import escape
from typing import Any

from tradai.services.charts import drawdown_svg, equity_svg

MAX_TRADES_SHOWN = 500
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#111}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}h1{margin-bottom:0}.muted{color:#666}
"""


def render_report(*, report: dict[str, Any], equity: list[dict[str, Any]]) -> str:
    """Render `report` (from `backtest_results.report_data`) and its equity points as one HTML page."""
    summary = report["summary"]
    metrics = report["metrics"]
    trades = report["trades"][:MAX_TRADES_SHOWN]
    metric_rows = "".join(
        f"<tr><td>{escape(str(name))}</td><td>{_format(value)}</td></tr>"
        for name, value in metrics.items()
        if not isinstance(value, dict | list)
    )
    columns = [
        "entry_time",
        "exit_time",
        "symbol",
        "side",
        "entry_price",
        "exit_price",
        "pnl",
        "pnl_pct",
        "reasoning",
    ]
    trade_rows = "".join(
        "<tr>" + "".join(f"<td>{_format(trade.get(column))}</td>" for column in columns) + "</tr>"
        for trade in trades
    )
    header = "".join(f"<th>{column}</th>" for column in columns)
    shown = (
        f"first {len(trades)} of {report['trades_total']}" if report["trades_total"] > len(trades) else "all"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(summary['strategy'])} backtest</title><style>{_STYLE}</style></head><body>"
        f"<h1>{escape(summary['strategy'])} {escape(summary['version'])}</h1>"
        f"<p class='muted'>{escape(summary['period'])} · {escape(', '.join(summary['symbols']))} · "
        f"{escape(str(summary['timeframe']))} · {escape(str(summary['mode']))}</p>"
        f"{equity_svg(equity)}{drawdown_svg(equity)}"
        f"<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>{metric_rows}</table>"
        f"<h2>Trades ({shown})</h2><table><tr>{header}</tr>{trade_rows}</table>"
        "</body></html>"
    )


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}"
    return escape("" if value is None else str(value))
