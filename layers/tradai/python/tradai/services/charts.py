"""Small, dependency-free SVG charts of an equity curve and its drawdown, for reports and the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT, MARGIN = 800, 260, 48


def equity_svg(points: Sequence[Mapping[str, Any]], *, title: str = "Equity") -> str:
    """A line chart of `portfolio_value` over time."""
    return _line_chart(points, "portfolio_value", title=title, colour="#2563eb", fill_to_zero=False)


def drawdown_svg(points: Sequence[Mapping[str, Any]], *, title: str = "Drawdown (%)") -> str:
    """An area chart of `drawdown_percent` (0 at the top, the deepest trough at the bottom)."""
    return _line_chart(points, "drawdown_percent", title=title, colour="#dc2626", fill_to_zero=True)


def _line_chart(
    points: Sequence[Mapping[str, Any]], field: str, *, title: str, colour: str, fill_to_zero: bool
) -> str:
    values = [float(point[field]) for point in points if point.get(field) is not None]
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="12">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>'
        f'<text x="{MARGIN}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>'
    )
    if len(values) < 2:
        return header + f'<text x="{MARGIN}" y="{HEIGHT // 2}">Not enough data</text></svg>'
    low, high = min(values), max(values)
    if fill_to_zero:
        high = max(high, 0.0)
    span = (high - low) or 1.0
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def xy(i: int, value: float) -> str:
        x = MARGIN + plot_w * i / (len(values) - 1)
        y = MARGIN + plot_h * (high - value) / span
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(i, value) for i, value in enumerate(values))
    body = ""
    if fill_to_zero:
        zero = MARGIN + plot_h * high / span
        body += (
            f'<polygon points="{MARGIN},{zero:.1f} {line} {MARGIN + plot_w},{zero:.1f}" '
            f'fill="{colour}" fill-opacity="0.25" stroke="none"/>'
        )
    body += f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
    first, last = str(points[0].get("timestamp", ""))[:10], str(points[-1].get("timestamp", ""))[:10]
    axes = (
        f'<line x1="{MARGIN}" y1="{MARGIN + plot_h}" x2="{MARGIN + plot_w}" '
        f'y2="{MARGIN + plot_h}" stroke="#999"/>'
        f'<text x="4" y="{MARGIN + 4}">{high:,.2f}</text>'
        f'<text x="4" y="{MARGIN + plot_h}">{low:,.2f}</text>'
        f'<text x="{MARGIN}" y="{HEIGHT - 12}">{escape(first)}</text>'
        f'<text x="{MARGIN + plot_w}" y="{HEIGHT - 12}" text-anchor="end">{escape(last)}</text>'
    )
    return header + body + axes + "</svg>"
