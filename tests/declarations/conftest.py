from pathlib import Path

import pytest

from declarations.models import Declaration
from declarations.services import shipped_declarations_load
from tests.conftest import PASSWORD
from tracking.models import User

SEED = Path(__file__).resolve().parents[2] / "declarations" / "data" / "dushanbe-declaration.md"
# The shipped Russian working translation of the seed.
RUSSIAN = SEED.with_name("dushanbe-declaration.ru.md")

# A declaration in the same UN-document form with what the seed lacks: a symbol, sections,
# sub-items, a continuation after a blank line and numbering that starts at 81.
SECTIONED = """\
# General Assembly

Symbol: A/80/999
Distr.: General
2 March 2025

## Eightieth session

Agenda item 12

---

**Annex**

[Original: French]

**Geneva Declaration on Data and Monitoring**

We, the participants,

*Recalling* resolution [60/288](#) on the Global Strategy,

*Welcoming* the work of the General Assembly on resolution [77/298](#),

## I. Data and monitoring

81. *Decide* to collect data on:

(a) Arrests and prosecutions;

(b) Returning foreign terrorist fighters, under resolution [2178 \\(2014\\)](#);

82. *Invite* States to report every year, through national focal points and

the secretariat, on what they did;

A second sentence that stands as its own block.

## II. Follow-up

83. *Request* the secretariat to publish a consolidated report;

---

Annexed text after the rule is not part of the declaration.

84. *Ignored* because it follows the rule.
"""


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def dushanbe(db) -> Declaration:
    """The shipped Dushanbe Declaration, with its themes and its Russian version."""
    shipped_declarations_load()
    return Declaration.objects.get(slug="dushanbe")


@pytest.fixture
def reader(db) -> User:
    return User.objects.create_user("reader", password=PASSWORD)


@pytest.fixture
def as_reader(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def as_secretariat(client, secretariat):
    client.force_login(secretariat)
    return client
