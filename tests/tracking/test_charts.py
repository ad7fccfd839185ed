"""Charts drawn on the server as inline SVG, with a title and an accessible name."""

import xml.etree.ElementTree as ET

from tracking import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_a_bar_chart_is_an_image_with_a_title_and_one_bar_per_row():
    svg = _parse(charts.bars("Actions by status", [("Planned", 3), ("Completed", 6)]))

    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Actions by status"
    assert svg.find(f"{SVG}title").text == "Actions by status"
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2
    assert widths[1] == 2 * widths[0]
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["Planned", "3", "Completed", "6"]


def test_stacked_bars_split_each_row_by_series_on_one_scale():
    series = [("partially", "Partially implemented"), ("fully", "Fully implemented")]
    svg = _parse(
        charts.stacked_bars(
            "Ratings", [("OP1", {"partially": 1, "fully": 3}), ("OP2", {"fully": 2})], series
        )
    )

    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    titles = [r.find(f"{SVG}title").text for r in bars]
    assert titles == [
        "OP1: Partially implemented 1",
        "OP1: Fully implemented 3",
        "OP2: Fully implemented 2",
    ]
    op1_fully, op2_fully = float(bars[1].get("width")), float(bars[2].get("width"))
    assert op1_fully == 1.5 * op2_fully
    # The second segment starts where the first ends.
    assert float(bars[1].get("x")) == float(bars[0].get("x")) + float(bars[0].get("width"))
    legend = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Partially implemented" in legend and "Fully implemented" in legend


def test_labels_are_escaped():
    svg = charts.bars("<script>", [("<b>", 1)])

    assert "<script>" not in svg
    assert "&lt;b&gt;" in svg
    _parse(svg)


def test_an_empty_chart_still_draws():
    assert _parse(charts.bars("Nothing", [("Planned", 0)])).get("role") == "img"
    assert _parse(charts.stacked_bars("Nothing", [], [])).get("role") == "img"


def test_status_rows_list_every_status_in_order_with_zeros():
    rows = charts.status_rows({"completed": 4})

    assert rows[0] == ("Planned", 0)
    assert ("Completed", 4) in rows
    assert len(rows) == 6


def test_in_a_right_to_left_language_a_chart_is_mirrored():
    from django.utils import translation

    with translation.override("ar"):
        svg = _parse(charts.bars("Actions by status", [("Planned", 3), ("Completed", 6)]))
    with translation.override("fr"):
        ltr = _parse(charts.bars("Actions by status", [("Planned", 3), ("Completed", 6)]))

    width = float(svg.get("width"))
    assert (svg.get("direction"), ltr.get("direction")) == ("rtl", "ltr")
    labels, counts = list(svg.iter(f"{SVG}text"))[::2], list(svg.iter(f"{SVG}text"))[1::2]
    # Labels start at the right edge; bars end where the labels' column begins and grow left;
    # each count is written at the left end of its bar.
    assert [float(t.get("x")) for t in labels] == [width, width]
    assert [float(t.get("x")) for t in list(ltr.iter(f"{SVG}text"))[::2]] == [0, 0]
    for rect, count in zip(svg.iter(f"{SVG}rect"), counts, strict=True):
        left, length = float(rect.get("x")), float(rect.get("width"))
        assert left + length == width - charts.LABEL
        assert float(count.get("x")) == round(left - 4, 1)


def test_in_a_right_to_left_language_stacked_bars_and_legend_run_from_the_right():
    from django.utils import translation

    series = [("partially", "Partially implemented"), ("fully", "Fully implemented")]
    with translation.override("ar"):
        svg = _parse(charts.stacked_bars("R", [("OP1", {"partially": 1, "fully": 3})], series))

    width = float(svg.get("width"))
    first, second, partially_key, fully_key = svg.iter(f"{SVG}rect")
    assert float(first.get("x")) + float(first.get("width")) == width - charts.LABEL
    assert float(second.get("x")) + float(second.get("width")) == float(first.get("x"))
    assert float(partially_key.get("x")) == width - 10
    assert float(fully_key.get("x")) < float(partially_key.get("x"))


def test_a_legend_leaves_chinese_labels_the_room_they_take():
    from django.utils import translation

    series = [("partially", "部分执行"), ("fully", "全面执行")]
    with translation.override("zh-hans"):
        svg = _parse(charts.stacked_bars("R", [("OP1", {"fully": 1})], series))

    first_key, second_key = list(svg.iter(f"{SVG}rect"))[1:]
    # Four characters of 12 px each after the 14 px key, and a 12 px gap.
    assert float(second_key.get("x")) - float(first_key.get("x")) == 14 + 4 * 12 + 12
