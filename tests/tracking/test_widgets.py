"""The filters' select widget writes Django's own markup, without a template per option."""

import pytest
from django import forms

from tracking.widgets import Select

CHOICES = [("", "All"), (1, "Tom & <Jerry>"), ("Group", [(2, "Two"), (3, 'Say "three"')]), (4, "4")]


@pytest.mark.parametrize("value", [None, "", 3, "4"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_f", "required": True, "disabled": False}])
def test_it_renders_the_same_html_as_djangos_select(value, attrs):
    expected = forms.Select(choices=CHOICES).render("f", value, attrs)

    assert Select(choices=CHOICES).render("f", value, attrs) == expected


def test_it_marks_the_chosen_option_and_escapes_labels():
    html = Select(choices=CHOICES).render("f", 3)

    assert '<option value="3" selected>Say &quot;three&quot;</option>' in html
    assert "Tom &amp; &lt;Jerry&gt;" in html
