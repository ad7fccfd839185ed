"""The PDF's bar charts of ratings, each bar labelled with its number, mirrored in a
right-to-left report. "Not assessed" is never a bar: it is a count beside the chart, so that
a large number of missing ratings does not flatten the ratings given."""

from collections.abc import Mapping, Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import cm

from . import fonts, typesetting
from .data import RATING_LABELS
from .document import localize

# One colour per rating, from "fully" (dark) to "not started" (light); the two ratings off
# the scale in greys. Every bar also carries its number: colour is never the only clue.
COLOURS = {
    "fully": "#1d4f91",
    "substantially": "#3f7cc4",
    "partially": "#8fb5e0",
    "not_started": "#d9e6f5",
    "not_applicable": "#9e9e9e",
    "no_information": "#cfcfcf",
}


def _number(value: float) -> str:
    return localize(round(value)) if value else ""


def _step(largest: int) -> int:
    """A whole step between the value axis' ticks: 1, 2, 5, 10, 20, 50... about five ticks."""
    step = 1
    while largest / step > 6:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step


def _chart(width: float, height: float, categories: list[str], label_room: float):
    """A horizontal bar chart in a drawing, its category labels set in their faces."""
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    # types-reportlab declares these int; ReportLab takes any number.
    chart.x, chart.y = label_room, 0.3 * cm  # type: ignore[assignment]
    chart.width, chart.height = width - label_room - 0.8 * cm, height - 0.6 * cm  # type: ignore[assignment]
    names = [typesetting.drawing_text(name) for name in reversed(categories)]
    chart.categoryAxis.categoryNames = [name for _family, name in names]
    chart.categoryAxis.labels.fontSize = 7
    for index, (family, _name) in enumerate(names):
        chart.categoryAxis.labels[index].fontName = family
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = fonts.FAMILY
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _number
    chart.barLabelFormat = _number
    chart.barLabels.fontName = fonts.FAMILY
    chart.barLabels.fontSize = 7
    if typesetting.rtl():
        # Mirrored: the labels on the right, the bars growing to the left.
        chart.x = 0.8 * cm  # type: ignore[assignment]  # declared int, as above
        chart.valueAxis.reverseDirection = 1
        chart.categoryAxis.joinAxisMode = "right"
        chart.categoryAxis.labels.boxAnchor = "w"
        chart.categoryAxis.labels.dx = 8
        drawing.hAlign = "RIGHT"
    drawing.add(chart)
    return drawing, chart


def ratings_totals(values: dict[str, int], width: float) -> Drawing:
    """One bar per rating, its count at its end."""
    ratings = [code for code in RATING_LABELS if code]
    drawing, chart = _chart(
        width, 0.7 * cm * len(ratings) + 0.6 * cm, [str(RATING_LABELS[r]) for r in ratings], 5 * cm
    )
    chart.data = [[values.get(code, 0) for code in reversed(ratings)]]
    chart.bars[0].fillColor = colors.HexColor(COLOURS["fully"])
    chart.barLabels.boxAnchor = "e" if typesetting.rtl() else "w"
    chart.barLabels.dx = -3 if typesetting.rtl() else 3
    largest = max([*values.values(), 1])
    chart.valueAxis.valueMax = largest * 1.1
    chart.valueAxis.valueStep = _step(largest)
    return drawing


Counts = Mapping[str | None, int]


def ratings_by_paragraph(rows: Sequence[tuple[str, Counts]], width: float) -> list:
    """One stacked bar per paragraph (`rows`: its label and its count of each rating), each
    part labelled with its count where it is wide enough to hold it; the legend below."""
    ratings = [code for code in RATING_LABELS if code]
    bar = 0.55 * cm if len(rows) <= 24 else 0.3 * cm
    drawing, chart = _chart(
        width, bar * len(rows) + 0.9 * cm, [label for label, _c in rows], 2 * cm
    )
    chart.categoryAxis.style = "stacked"
    chart.data = [[counts.get(code, 0) for _label, counts in reversed(rows)] for code in ratings]
    largest = max([sum(counts.values()) for _label, counts in rows] + [1])
    chart.valueAxis.valueMax = largest
    chart.valueAxis.valueStep = _step(largest)
    # A count is written inside its part when the part is wide enough for its digits.
    points = float(chart.width) / largest
    chart.barLabelFormat = lambda value: _number(value) if value * points >= 14 else ""
    chart.barLabels.boxTarget = "mid"
    chart.barLabels.boxAnchor = "c"
    for index, code in enumerate(ratings):
        chart.bars[index].fillColor = colors.HexColor(COLOURS[code])
    legend = Legend()
    # The swatch before its label: on the left ("right" alignment), or on the right.
    legend.alignment = "left" if typesetting.rtl() else "right"
    legend.fontSize = 7
    legend.columnMaximum = 1
    legend.dxTextSpace = 4
    legend.deltax = 0.3 * cm  # type: ignore[assignment]  # declared int; takes any number
    legend.autoXPadding = 12
    entries = [typesetting.drawing_text(RATING_LABELS[code]) for code in ratings]
    legend.colorNamePairs = [
        (colors.HexColor(COLOURS[code]), name)
        for code, (_family, name) in zip(ratings, entries, strict=True)
    ]
    # The legend's face: that of its labels' script (one face for the whole legend).
    legend.fontName = entries[0][0]
    legend_drawing = Drawing(width, 0.8 * cm)
    legend.x, legend.y = 2 * cm, 0.5 * cm  # type: ignore[assignment]
    legend_drawing.add(legend)
    if typesetting.rtl():
        legend_drawing.hAlign = "RIGHT"
    return [drawing, legend_drawing]
