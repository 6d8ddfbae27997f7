"""One line that places a dose among the thresholds that apply, to scale: ``0--15----40--[60]----80------180 mg/day``.

Drawn on a terminal only (dose-check), under the verdict; plain ASCII unless colour is on, when the line is
drawn with a box-drawing rule and the dose is coloured by where it stands.
"""

from __future__ import annotations

MAX_WIDTH = 72  # the line's own columns, before the unit


def _fmt(amount: float) -> str:
    return f"{round(amount, 2):.2f}".rstrip("0").rstrip(".")


def gauge_segments(gauge: tuple[float, str, list[tuple[float, str]]], width: int, fancy: bool) -> list[tuple[str, str]]:
    """The line as (text, style) pieces; style is '' or one of 'dose-above', 'dose-within', 'mark-max',
    'mark-toxicity'. The dose is above when it passes a maximum or reaches a harm mark."""
    value, unit, marks = gauge
    above = any(
        (kind == "max" and value > amount) or (kind == "toxicity" and value >= amount) for amount, kind in marks
    )
    span = max(value, *(amount for amount, _ in marks)) * 1.1 or 1.0
    columns = max(20, min(MAX_WIDTH, width - len(unit) - 2))
    rule = "\u2500" if fancy else "-"
    items: dict[float, str] = {}
    for amount, kind in marks:  # one number per figure (a maximum wins over a usual dose at the same figure)
        if kind in ("max", "toxicity") or amount not in items:
            items[amount] = kind
    placed = [(amount / span * (columns - 1), _fmt(amount), f"mark-{kind}") for amount, kind in items.items()]
    placed.append((value / span * (columns - 1), f"[{_fmt(value)}]", "dose-above" if above else "dose-within"))
    placed.sort(key=lambda p: (p[0], p[2].startswith("dose")))
    pieces: list[tuple[str, str]] = [("0", "")]
    cursor = 1
    for position, text, style in placed:
        start = max(round(position), cursor + 1)
        pieces.append((rule * (start - cursor), ""))
        pieces.append((text, style if style in ("dose-above", "dose-within", "mark-max", "mark-toxicity") else ""))
        cursor = start + len(text)
    if cursor < columns:
        pieces.append((rule * (columns - cursor), ""))
    pieces.append((f" {unit}", ""))
    return pieces


def gauge_text(gauge: tuple[float, str, list[tuple[float, str]]], width: int, fancy: bool) -> str:
    return "".join(text for text, _ in gauge_segments(gauge, width, fancy))
