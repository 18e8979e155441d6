"""Charts drawn on the server with pygal and put into the page as inline SVG: no JavaScript, no external file.

The page's Content-Security-Policy allows no inline styles or scripts, so pygal's own <style>, its tooltip layer and
its script references are taken out; the look comes from static/css/coverage.css, which knows pygal's class names
(`color-0`, `axis`, `text-overlay` …). Each chart is `role="img"` named by its <title> and described by its <desc>;
the table beside it holds the same figures for anyone who does not see the chart.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pygal
from markupsafe import Markup
from pygal.style import Style

FONT_SIZE = 14  # the CSS sets the same size, so pygal's layout (margins for labels) matches what is drawn
BAR_HEIGHT = 34
WIDTH = 720

_STYLE = Style(font_family="system-ui, sans-serif", label_font_size=FONT_SIZE, major_label_font_size=FONT_SIZE,
               value_font_size=FONT_SIZE, legend_font_size=FONT_SIZE, title_font_size=FONT_SIZE + 2)


def stacked_bars(chart_id: str, *, title: str, description: str, labels: list[str],
                 series: list[tuple[str, list[int]]]) -> Markup:
    """Horizontal stacked bars, one bar per label, one colour per series (in the order given), each segment
    labelled with its value; an accessible SVG to put in the page as it is."""
    chart = pygal.HorizontalStackedBar(
        style=_STYLE, js=[], css=[], no_prefix=True, explicit_size=False, width=WIDTH,
        height=90 + BAR_HEIGHT * max(1, len(labels)), print_values=True, print_zeroes=False,
        legend_at_bottom=True, legend_at_bottom_columns=len(series), truncate_label=32, truncate_legend=40,
        value_formatter=lambda value: f"{value:.0f}", show_y_guides=True, margin=8)
    # pygal draws the first label at the bottom; reversed, the chart reads top-down in the table's order.
    chart.title = title  # drawn as text in the picture; its <title> element is replaced below
    chart.x_labels = list(reversed(labels))
    for name, values in series:
        chart.add(name, [value or None for value in reversed(values)])
    return accessible_svg(chart.render_tree(), chart_id, title=title, description=description)


def accessible_svg(svg: ET.Element, chart_id: str, *, title: str, description: str) -> Markup:
    """Strip what the CSP would block or a screen reader would read out of context, and name the picture."""
    for parent in list(svg.iter()):
        for child in list(parent):
            classes = (child.get("class") or "").split()
            if (child.tag in ("defs", "title", "desc", "script") or child.tag is ET.Comment
                    or "tooltip-overlay" in classes):
                parent.remove(child)
        parent.attrib.pop("style", None)
    svg.set("id", chart_id)
    svg.set("class", "pygal-chart")
    svg.set("role", "img")
    svg.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    desc = ET.Element("desc", id=f"{chart_id}-desc")
    desc.text = description
    svg.insert(0, desc)
    heading = ET.Element("title", id=f"{chart_id}-title")
    heading.text = title
    svg.insert(0, heading)
    # ElementTree escapes every text and attribute it serialises (labels may be school names typed by people).
    return Markup(ET.tostring(svg, encoding="unicode"))  # noqa: S704 - serialised by ElementTree
