"""HTML pieces (sim.html): escaped text and tables with inline styles (what notebook viewers keep)."""

from __future__ import annotations

from sim.html import esc, table


def test_esc_escapes_markup_and_quotes():
    assert esc("<b>A&B</b> \"x\" 'y'") == "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot; &#x27;y&#x27;"
    assert esc(2500) == "2500"


def test_table_escapes_every_cell_and_aligns_columns():
    html = table("Cap <1>", ["name", "n"], [["<i>Kenya</i>", 1000]], left=1)
    assert html.startswith("<table style=") and html.endswith("</tbody></table>")
    assert '<caption style="' in html and ">Cap &lt;1&gt;</caption>" in html
    assert "&lt;i&gt;Kenya&lt;/i&gt;" in html and "<i>" not in html
    cells = html.split("<td ")[1:]
    assert "text-align:left" in cells[0] and "text-align:right" in cells[1]
    assert "<style" not in html  # inline styles only


def test_table_without_caption_and_with_left_columns():
    html = table(None, ["a", "b", "c"], [["1", "2", "3"]], left_cols=(2,))
    assert "<caption" not in html
    cells = html.split("<td ")[1:]
    assert ["text-align:left" in cell for cell in cells] == [False, False, True]
