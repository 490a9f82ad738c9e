"""发表论文和综述: the DOMAIN.md table — foreign journal 10/9/8, ISSN+CN journal 6/5/4,
provincial journal 5/4/3 for the 1st/2nd/3rd author."""
from decimal import Decimal

import pytest

from portal_plugins.credit_types.paper import Paper
from tests.plugins.credit_types.scoring import refused, score

TYPE = Paper()


@pytest.mark.parametrize("level, points", [
    ("外国期刊", [10, 9, 8]), ("ISSN+CN期刊", [6, 5, 4]), ("省级期刊", [5, 4, 3]),
])
def test_default_table(level, points):
    assert [score(TYPE, journal_level=level, author_rank=r).credits for r in range(1, 4)] == [Decimal(p) for p in points]


def test_category_class_applies():
    assert score(TYPE, journal_level="外国期刊", author_rank=1).credit_class is None


def test_authors_beyond_the_third_follow_the_table_余类推_while_it_gives_credits():
    assert score(TYPE, journal_level="省级期刊", author_rank=4).credits == Decimal("2.00")
    assert score(TYPE, journal_level="省级期刊", author_rank=5).credits == Decimal("1.00")
    params = TYPE.params(TYPE.default_params())
    assert "author_rank" in TYPE.validate({"journal_level": "省级期刊", "author_rank": 6}, params)
    # The reading that stops at the table is one parameter away.
    assert "author_rank" in TYPE.validate({"journal_level": "省级期刊", "author_rank": 4}, {**params, "further_ranks": 0})


def test_unknown_ranks_and_journals_are_refused():
    assert "author_rank" in refused(TYPE, journal_level="省级期刊", author_rank=0)
    assert "author_rank" in refused(TYPE, journal_level="省级期刊", author_rank="")
    assert "journal_level" in refused(TYPE, journal_level="内部刊物", author_rank=1)


def test_wizard_lists_each_journal_level_with_author_ranks():
    wizard = TYPE.wizard(TYPE.params(TYPE.default_params()))
    assert [g.name for g in wizard] == ["Paper in a journal: 外国期刊", "Paper in a journal: ISSN+CN期刊",
                                        "Paper in a journal: 省级期刊"]
    assert [(r.name, r.credits, r.fields) for r in wizard[1].rules] == [
        ("Author 1", Decimal("6.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 1}),
        ("Author 2", Decimal("5.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 2}),
        ("Author 3", Decimal("4.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 3}),
        ("Author 4", Decimal("3.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 4}),
        ("Author 5", Decimal("2.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 5}),
        ("Author 6", Decimal("1.00"), {"journal_level": "ISSN+CN期刊", "author_rank": 6}),
    ]


def test_a_category_with_its_own_table_scores_by_it():
    params = TYPE.default_params()
    params["table"]["省级期刊"] = ["5.5", "4", "3"]
    assert score(TYPE, params, journal_level="省级期刊", author_rank=1).credits == Decimal("5.50")
