"""Small HTML pieces for Jupyter displays and reports: escaped text and tables with inline styles.

Inline styles only (no ``<style>`` element): notebook viewers that sanitize HTML drop those.
Every string that comes from a user's file is escaped.
"""

from __future__ import annotations

import html
from typing import Any

DIV = "font-size:12.5px;line-height:1.35"
MUTED = "color:#666"
_TABLE = "border-collapse:collapse;margin:2px 0 8px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #e2e2e2;vertical-align:top;text-align:"
_HEAD = "background:#f4f6f8;font-weight:600;"
_CAPTION = "caption-side:top;text-align:left;font-weight:600;padding:4px 0 2px 0"


def esc(value: Any) -> str:
    """``value`` as text, HTML-escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def table(caption: str | None, header: list[str], rows: list[list], left: int = 0,
          left_cols: tuple[int, ...] = ()) -> str:
    """An HTML table; the first ``left`` columns (and ``left_cols``) are left-aligned, the others right."""
    def cell(tag: str, k: int, value: Any) -> str:
        """One ``<th>`` or ``<td>`` of column ``k``: ``value`` escaped, aligned as its column."""
        align = "left" if k < left or k in left_cols else "right"
        head = _HEAD if tag == "th" else ""
        return f'<{tag} style="{head}{_CELL}{align}">{esc(value)}</{tag}>'

    out = [f'<table style="{_TABLE}">']
    if caption:
        out.append(f'<caption style="{_CAPTION}">{esc(caption)}</caption>')
    out.append("<thead><tr>" + "".join(cell("th", k, h) for k, h in enumerate(header)) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        out.append("<tr>" + "".join(cell("td", k, v) for k, v in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
