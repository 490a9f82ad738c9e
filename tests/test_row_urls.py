"""A list row's link (portal.row_urls): the same URL url_for builds, under any mount point, and
nothing but a number put into it."""
import pytest
from flask import url_for

from portal.row_urls import row_url


@pytest.mark.parametrize("script_root", ["", "/cme"])
def test_a_rows_link_is_what_url_for_builds(app, script_root):
    with app.test_request_context("/", base_url=f"http://portal.example{script_root}"):
        detail, edit = row_url("CreditEntryView.detail", "record_id"), row_url("ReviewView.detail", "record_id")
        for record_id in (1, 42, 987654321, 2147483647):
            assert detail(record_id) == url_for("CreditEntryView.detail", record_id=record_id)
            assert edit(record_id) == url_for("ReviewView.detail", record_id=record_id)
        assert detail(7) == f"{script_root}/credits/7"
        by_year = row_url("CreditEntryView.mine", "year")  # a query-string argument
        assert by_year(2025) == url_for("CreditEntryView.mine", year=2025)


def test_only_a_number_goes_into_the_link(app):
    with app.test_request_context("/"):
        detail = row_url("CreditEntryView.detail", "record_id")
        with pytest.raises(ValueError):
            detail("7/../../admin")
