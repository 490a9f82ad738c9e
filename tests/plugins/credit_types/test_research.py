"""科研立项: the DOMAIN.md table — national 10/9/8/7/6, provincial 8/7/6/5/4, city 6/5/4/3/2."""
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from portal_plugins.credit_types.research import ResearchProject
from tests.plugins.credit_types.scoring import refused, score

TYPE = ResearchProject()


@pytest.mark.parametrize("level, points", [
    ("国家级", [10, 9, 8, 7, 6]), ("省级", [8, 7, 6, 5, 4]), ("市级", [6, 5, 4, 3, 2]),
])
def test_default_table(level, points):
    assert [score(TYPE, level=level, rank=rank).credits for rank in range(1, 6)] == [Decimal(p) for p in points]


def test_category_class_applies():
    assert score(TYPE, level="省级", rank=2).credit_class is None


def test_rank_beyond_the_table_follows_it_and_beyond_that_is_refused():
    assert score(TYPE, level="省级", rank=6).credits == Decimal("3.00")
    assert "rank" in TYPE.validate({"level": "省级", "rank": 9}, TYPE.params(TYPE.default_params()))
    assert "rank" in refused(TYPE, level="省级", rank="")
    assert "level" in refused(TYPE, level="乡级", rank=1)


def test_wizard_lists_each_level_with_member_ranks():
    wizard = TYPE.wizard(TYPE.params(TYPE.default_params()))
    provincial = next(g for g in wizard if g.name.startswith("省级"))
    assert [(r.name, r.credits) for r in provincial.rules][:2] == [("Member 1", Decimal("8.00")), ("Member 2", Decimal("7.00"))]
    assert provincial.rules[1].fields == {"level": "省级", "rank": 2}


def test_a_category_with_its_own_table_scores_by_it():
    params = TYPE.default_params()
    params["table"]["省级"] = ["9.5", "8", "7", "6", "5"]
    assert score(TYPE, params, level="省级", rank=1).credits == Decimal("9.50")


def test_table_editor_reads_and_checks_its_cells():
    cells = {f"table-{r}-{c}": str(10 - c) for r in range(3) for c in range(5)}
    form = TYPE.Params(formdata=MultiDict(cells))
    assert form.validate() and form.table.data["市级"][4] == Decimal("6.00")
    form = TYPE.Params(formdata=MultiDict({**cells, "table-1-2": "-1"}))
    assert not form.validate() and form.errors["table"]
    assert 'name="table-0-0"' in str(form.table()).replace("'", '"')
