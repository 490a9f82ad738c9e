"""A card table's row of cells (portal.table_cells.RowCells, row_cells in templates): every value escaped, an empty one
shown as "—", the markup a page gives for a cell (a link) kept, each cell labelled for phones."""
from decimal import Decimal

from markupsafe import Markup

from portal.table_cells import RowCells

LABELS = {"date": "日期", "name": "活动名称", "credits": "学分", "remarks": "备注 <说明>"}


def test_a_rows_values_are_escaped_and_empty_ones_shown_as_a_dash():
    cells = RowCells(("name", "credits", "remarks"), LABELS)
    html = cells({"name": "<script>alert(1)</script>", "credits": Decimal("0.00"), "remarks": None})
    assert html == ('<td data-label="活动名称">&lt;script&gt;alert(1)&lt;/script&gt;</td>'
                    '<td data-label="学分">0.00</td><td data-label="备注 &lt;说明&gt;">—</td>')
    zero = cells({"name": "", "credits": 0, "remarks": "x"})
    assert zero.startswith('<td data-label="活动名称">—</td><td data-label="学分">0</td>')


def test_a_cell_the_page_makes_replaces_the_value_and_nowrap_columns_stay_on_one_line():
    cells = RowCells(("date", "name"), LABELS, nowrap=("date",))
    link = Markup('<a href="/credits/7">{}</a>').format("学习班 & 讲座")
    html = cells({"date": "2025-05-01", "name": "ignored"}, name=link)
    assert html == ('<td data-label="日期" class="text-nowrap">2025-05-01</td>'
                    '<td data-label="活动名称"><a href="/credits/7">学习班 &amp; 讲座</a></td>')
    assert isinstance(html, Markup)


def test_a_records_row_links_its_column_to_the_records_page():
    cells = RowCells(("date", "name"), LABELS, link="name", link_url=lambda record_id: f"/credits/{record_id}")
    html = cells.row({"id": 7, "date": "2025-05-01", "name": "学习班 <讲座>"})
    assert html == ('<tr data-record="7"><td data-label="日期">2025-05-01</td>'
                    '<td data-label="活动名称"><a href="/credits/7">学习班 &lt;讲座&gt;</a></td></tr>')
    assert isinstance(html, Markup)
