"""A version in each UN language, as the UN writes the document in it, matches its original.

Each text below is the conftest's SECTIONED declaration (two preambular clauses; section I with
paragraph 81 and its sub-items and paragraph 82 broken by a blank line then continued; section
II with paragraph 83) in that language's own form: annex marker, section numbering, paragraph
numbering, sub-items, lead verbs and punctuation.
"""

import pytest

from declarations.exporter import declaration_as_dict, declaration_as_markdown
from declarations.importer import (
    DeclarationFormatError,
    import_declaration,
    import_version,
    parse_version,
)
from declarations.models import DeclarationVersion
from tests.declarations.conftest import SECTIONED

FRENCH = """\
# Assemblée générale

Distr. générale
2 mars 2025

## Quatre-vingtième session

Point 12 de l'ordre du jour

---

**Annexe**

[Original : français]

**Déclaration de Genève sur les données et le suivi**

Nous, participants,

*Rappelant* la résolution [60/288](#) sur la Stratégie antiterroriste mondiale,

*Saluant* les travaux de l'Assemblée générale sur la résolution [77/298](#),

## I. Données et suivi

81. *Décidons* de recueillir des données sur :

a) Les arrestations et les poursuites ;

b) Les combattants terroristes étrangers de retour, en application
de la résolution [2178 \\(2014\\)](#) ;

82. *Invitons* les États à rendre compte chaque année,
par l'intermédiaire des points focaux nationaux et

du secrétariat, de ce qu'ils ont fait ;

Une deuxième phrase qui forme un bloc à part.

## II. Suivi

83. *Prions* le secrétariat de publier un rapport récapitulatif ;

---
"""

SPANISH = """\
# Asamblea General

## Octogésimo período de sesiones

Tema 12 del programa

---

**Anexo**

[Original: francés]

**Declaración de Ginebra sobre Datos y Seguimiento**

Nosotros, los participantes,

*Recordando* la resolución [60/288](#) sobre la Estrategia Global,

*Acogiendo con beneplácito* la labor de la Asamblea General sobre la resolución [77/298](#),

## I. Datos y seguimiento

81. *Decidimos* reunir datos sobre:

a) Las detenciones y los enjuiciamientos;

b) Los combatientes terroristas extranjeros que regresan,
conforme a la resolución [2178 \\(2014\\)](#);

82. *Invitamos* a los Estados a informar cada año, por conducto de los coordinadores nacionales y

la secretaría, de lo que hayan hecho;

Una segunda oración que constituye un bloque aparte.

## II. Seguimiento

83. *Solicitamos* a la secretaría que publique un informe consolidado;

---
"""

RUSSIAN = """\
# Генеральная Ассамблея

## Восьмидесятая сессия

Пункт 12 повестки дня

---

**Приложение**

[Подлинный текст на французском языке]

**Женевская декларация о данных и мониторинге**

Мы, участники,

*ссылаясь* на резолюцию [60/288](#) о Глобальной стратегии,

*приветствуя* работу Генеральной Ассамблеи по резолюции [77/298](#),

## I. Данные и мониторинг

81. *постановляем* собирать данные о:

a) арестах и уголовном преследовании;

b) возвращающихся иностранных боевиках-террористах согласно резолюции [2178 \\(2014\\)](#);

82. *предлагаем* государствам ежегодно сообщать через национальных координаторов и

секретариат о проделанной работе;

Второе предложение, которое стоит отдельным блоком.

## II. Последующие меры

83. *просим* секретариат опубликовать сводный доклад;

---
"""

ARABIC = """\
# الجمعية العامة

## الدورة الثمانون

البند 12 من جدول الأعمال

---

**المرفق**

[الأصل: بالفرنسية]

**إعلان جنيف بشأن البيانات والرصد**

إننا، نحن المشاركين،

*إذ نشير* إلى القرار [60/288](#) بشأن الاستراتيجية العالمية،

*وإذ نرحب* بأعمال الجمعية العامة بشأن القرار [77/298](#)،

## أولا - البيانات والرصد

81 - *نقرر* جمع البيانات عما يلي:

(أ) حالات الاعتقال والملاحقة القضائية؛

(ب) المقاتلون الإرهابيون الأجانب العائدون، عملا بالقرار [2178 \\(2014\\)](#)؛

82 - *ندعو* الدول إلى تقديم تقارير سنوية، عن طريق جهات التنسيق الوطنية

والأمانة، عما قامت به؛

جملة ثانية تشكل كتلة مستقلة.

## ثانيا - المتابعة

83 - *نطلب* إلى الأمانة نشر تقرير موحد؛

---
"""

CHINESE = """\
# 大会

## 第八十届会议

议程项目12

---

**2025年3月2日法国常驻联合国代表
给秘书长的信的附件**

[原件：法文]

**关于数据和监测的日内瓦宣言**

我们，与会者，

*回顾*关于全球战略的第[60/288](#)号决议，

*欢迎*大会关于第[77/298](#)号决议的工作，

## 一、数据和监测

81. *决定*收集以下方面的数据：

(a) 逮捕和起诉；

(b) 根据第[2178 \\(2014\\)](#)号决议返回的外国恐怖主义战斗人员；

82. *请*各国每年通过国家协调人和

秘书处报告其所做的工作；

另一句单独成段的话。

## 二、后续行动

83. *请*秘书处发布综合报告；

---
"""

VERSIONS = {"fr": FRENCH, "es": SPANISH, "ru": RUSSIAN, "ar": ARABIC, "zh-hans": CHINESE}
# Per language: its first clause's verb, paragraph 82's first part, the heading of section II.
EXPECTED = {
    "fr": (
        "Rappelant",
        "Invitons les États à rendre compte chaque année, par l'intermédiaire des points "
        "focaux nationaux et du secrétariat, de ce qu'ils ont fait ;",
        "II. Suivi",
    ),
    "es": (
        "Recordando",
        "Invitamos a los Estados a informar cada año, por conducto de los coordinadores "
        "nacionales y la secretaría, de lo que hayan hecho;",
        "II. Seguimiento",
    ),
    "ru": (
        "ссылаясь",
        "предлагаем государствам ежегодно сообщать через национальных координаторов и "
        "секретариат о проделанной работе;",
        "II. Последующие меры",
    ),
    "ar": (
        "إذ نشير",
        "ندعو الدول إلى تقديم تقارير سنوية، عن طريق جهات التنسيق الوطنية والأمانة، عما قامت به؛",
        "ثانيا - المتابعة",
    ),
    "zh-hans": ("回顾", "请各国每年通过国家协调人和秘书处报告其所做的工作；", "二、后续行动"),
}


@pytest.fixture
def geneva(db):
    return import_declaration(SECTIONED, slug="geneva").declaration


@pytest.mark.parametrize("language", VERSIONS)
def test_each_language_reads_its_own_form_and_matches_the_original(geneva, language):
    version = import_version(VERSIONS[language], slug="geneva", language=language).version

    verb, eighty_two, heading = EXPECTED[language]
    texts = {t.paragraph.position: t for t in version.texts.select_related("paragraph")}
    assert len(texts) == 5
    assert texts[1].verb == verb
    assert texts[4].parts[0] == eighty_two
    assert len(texts[3].parts) == 3  # paragraph 81: its lead and two sub-items
    assert len(texts[4].parts) == 2  # paragraph 82: continued, then a part of its own
    assert [s["number"] for s in version.sections] == ["I", "II"]
    assert version.sections[1]["heading"] == heading
    assert version.original_note.startswith("[") and version.title


@pytest.mark.parametrize("language", VERSIONS)
def test_each_language_round_trips_through_its_markdown(geneva, language):
    version = import_version(VERSIONS[language], slug="geneva", language=language).version
    as_dict = declaration_as_dict(geneva, language=language)
    markdown = declaration_as_markdown(geneva, language=language)
    version.delete()

    again = import_version(markdown, slug="geneva", language=language)

    assert again.created
    assert declaration_as_dict(geneva, language=language) == as_dict
    assert declaration_as_markdown(geneva, language=language) == markdown
    assert not import_version(markdown, slug="geneva", language=language).changed


def test_arabic_numbers_paragraphs_with_a_dash_and_chinese_writes_no_spaces(geneva):
    for language in ("ar", "zh-hans"):
        import_version(VERSIONS[language], slug="geneva", language=language)

    arabic = declaration_as_markdown(geneva, language="ar")
    chinese = declaration_as_markdown(geneva, language="zh-hans")

    assert "\n81 - *نقرر* جمع البيانات عما يلي:\n\n(أ) حالات" in arabic
    assert "\n## أولا - البيانات والرصد\n" in arabic
    assert "\n82. *请*各国每年通过国家协调人和秘书处报告其所做的工作；\n\n另一句" in chinese
    zh = DeclarationVersion.objects.get(language="zh-hans")
    assert zh.annex_heading == "**2025年3月2日法国常驻联合国代表\n给秘书长的信的附件**"


@pytest.mark.parametrize(
    ("language", "change", "needle", "message"),
    [
        ("ru", ("a) арестах", "Арестах"), "Арестах", "81 is a continuation, but a sub-item"),
        ("ar", ("81 - *نقرر*", "81 - نقرر"), "81 - نقرر", "must start with an italic lead verb"),
        ("zh-hans", ("## 二、后续行动", "## 后续行动"), "## 后续行动", "must be sections"),
        ("fr", ("**Annexe**", "**Annex**"), "---", "expected a line starting with “**Annexe”"),
    ],
)
def test_a_version_off_its_form_is_refused_with_its_line(geneva, language, change, needle, message):
    text = VERSIONS[language].replace(*change)
    lines = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith(needle)]

    with pytest.raises(DeclarationFormatError) as refused:
        import_version(text, slug="geneva", language=language)

    assert refused.value.line == lines[-1]
    assert message in refused.value.message
    assert not DeclarationVersion.objects.exists()


def test_the_parser_keeps_the_header_as_written(db):
    version = parse_version(RUSSIAN, "ru")

    assert version.header == "# Генеральная Ассамблея\n\n## Восьмидесятая сессия\n\n" + (
        "Пункт 12 повестки дня\n\n---"
    )
    assert version.annex_heading == "**Приложение**"
    assert version.title == "Женевская декларация о данных и мониторинге"
