"""Small HTML pieces for Jupyter displays and reports: escaped text, tables, and whole self-contained pages.

Pieces use inline styles only (no ``<style>`` element): notebook viewers that sanitize HTML drop
those; a whole page (:func:`page`) carries its own. Every string that comes from a user's file is
escaped.
"""

from __future__ import annotations

import html
import re
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


# --------------------------------------------------------------------------- a whole page (report.html)

_PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#222;max-width:1180px;
margin:0 auto;padding:16px 24px 48px 24px;line-height:1.45;font-size:15px}
h1{font-size:1.6em;margin:0.4em 0 0.2em 0}h2{font-size:1.2em;margin:1.6em 0 0.4em 0;border-bottom:1px solid #ddd}
.question{font-size:1.08em;background:#f4f6f8;border-left:4px solid #08519c;padding:8px 12px}
.muted{color:#666}figure{margin:12px 0}figure svg{width:100%;height:auto;display:block}
figcaption{color:#444;font-size:0.92em}blockquote{margin:0;color:#333}code{font-size:0.92em}
table td,table th{font-size:13.5px}
"""


def page(title: str, parts: list[str]) -> str:
    """A self-contained HTML document: ``title`` and the HTML ``parts`` in order (no link to anything outside)."""
    head = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f"<style>{_PAGE_STYLE}</style>\n</head>\n<body>\n")
    return head + "\n".join(parts) + "\n</body>\n</html>\n"


def section(title: str, content: str, ident: str) -> str:
    """A ``<section>`` with its heading (``ident`` as its id)."""
    return f'<section id="{esc(ident)}">\n<h2>{esc(title)}</h2>\n{content}\n</section>'


def bullets(items: list[str]) -> str:
    """A list of plain sentences (escaped)."""
    return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"


def svg_figure(svg: bytes | str, caption: str, ident: str) -> str:
    """An SVG file's content embedded in the page as a ``<figure>``, its ids prefixed by ``ident`` (so that
    several charts on one page never share an id) and its size following the page's width."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = text[text.index("<svg"):]  # no XML declaration or DOCTYPE inside HTML
    ids = set(re.findall(r'\bid="([^"]+)"', text))

    def rename(match: re.Match) -> str:
        """An id, or a reference to one, with the figure's prefix."""
        name = match.group(2)
        return f"{match.group(1)}{ident}-{name}{match.group(3)}" if name in ids else match.group(0)

    text = re.sub(r'(\bid="|href="#|url\(#)([^")]+)([")])', rename, text)
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)
    label = esc(caption)
    text = text.replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
    return f'<figure id="{esc(ident)}">\n{text}\n<figcaption>{label}</figcaption>\n</figure>'
