"""Generated declarations survive export -> import -> export unchanged."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from declarations.exporter import declaration_as_dict, declaration_as_markdown
from declarations.importer import import_declaration
from declarations.models import Declaration

LOWER = "abcdefghijklmnopqrstuvwxyzéü"
words = st.text(alphabet=LOWER, min_size=1, max_size=8)
capitalized = words.map(str.capitalize)
sentence = st.lists(words, min_size=1, max_size=8).map(" ".join)
punctuation = st.sampled_from([",", ";", ".", ":", ""])
resolution = st.one_of(
    st.tuples(st.integers(1000, 2700), st.integers(1990, 2030)).map(
        lambda r: f"resolution [{r[0]} \\({r[1]}\\)](#)"
    ),
    st.tuples(st.integers(50, 80), st.integers(1, 400)).map(
        lambda r: f"General Assembly resolution [{r[0]}/{r[1]}](#)"
    ),
)
lead_text = st.tuples(sentence, st.lists(resolution, max_size=2), punctuation).map(
    lambda t: " ".join([t[0], *t[1]]) + t[2]
)
# A continuation that stands as its own part starts with a capital; a sub-item with (a), (b).
continuation = st.tuples(capitalized, sentence, punctuation).map(lambda t: f"{t[0]} {t[1]}{t[2]}")
verb = st.lists(capitalized, min_size=1, max_size=2).map(" ".join)


@st.composite
def paragraph(draw) -> str:
    parts = [f"*{draw(verb)}* {draw(lead_text)}"]
    parts += draw(st.lists(continuation, max_size=2))
    sub_items = draw(st.integers(0, 3))
    parts += [f"({'abc'[i]}) {draw(lead_text)}" for i in range(sub_items)]
    return "\n\n".join(parts)


@st.composite
def declaration_text(draw) -> str:
    header = ["# General Assembly", ""]
    if draw(st.booleans()):
        header += [f"Symbol: A/{draw(st.integers(50, 90))}/{draw(st.integers(1, 999))}", ""]
    document_date = draw(st.dates(date(1990, 1, 1), date(2040, 12, 31)))
    header += ["Distr.: General", f"{document_date.day} {document_date:%B %Y}", ""]
    header += [f"## {draw(capitalized)} session", "", f"Agenda item {draw(st.integers(1, 200))}"]
    if draw(st.booleans()):
        header += ["", f"Place: {draw(capitalized)}", "", f"Adopted on: {document_date}"]
    body = ["---", "", "**Annex**", ""]
    if draw(st.booleans()):
        body += [f"[Original: {draw(capitalized)}]", ""]
    body += [f"**{draw(capitalized)} {draw(capitalized)} Declaration**", ""]
    body += [draw(paragraph()) + "\n" for _ in range(draw(st.integers(0, 3)))]
    number = draw(st.integers(1, 120))
    sections = draw(st.lists(sentence, max_size=3))
    for index, title in enumerate([None, *sections]):
        if title is not None:
            body.append(f"## {'I' * (index) if index < 4 else index}. {title.capitalize()}\n")
        for _ in range(draw(st.integers(0 if title else 1, 3))):
            body.append(f"{number}. {draw(paragraph())}\n")
            number += 1
    return "\n".join([*header, "", *body, "---", ""])


@pytest.mark.django_db
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=declaration_text())
def test_export_import_export_is_unchanged(text):
    Declaration.objects.all().delete()
    declaration = import_declaration(text, slug="generated").declaration
    first_json = declaration_as_dict(declaration)
    first_markdown = declaration_as_markdown(declaration)

    Declaration.objects.all().delete()
    again = import_declaration(first_markdown, slug="generated").declaration

    assert declaration_as_dict(again) == first_json
    assert declaration_as_markdown(again) == first_markdown
    assert first_json["paragraphs"], "every generated declaration has operative paragraphs"


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=declaration_text())
def test_reimporting_the_export_in_place_changes_nothing(text):
    Declaration.objects.all().delete()
    declaration = import_declaration(text, slug="generated").declaration
    before = declaration_as_dict(declaration)
    pks = list(declaration.paragraphs.values_list("pk", flat=True))

    exported = declaration_as_markdown(declaration)
    import_declaration(exported, slug="generated")
    result = import_declaration(exported, slug="generated")

    assert not result.changed
    assert declaration_as_dict(result.declaration) == before
    assert list(result.declaration.paragraphs.values_list("pk", flat=True)) == pks
