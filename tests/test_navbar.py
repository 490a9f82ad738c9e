"""The top bar (portal.menu.navbar) is made once per set of roles and language and kept: each user
still sees their own name in it, escaped, and a role given counts from the next page."""
from flask import url_for

from portal.accounts import services as accounts
from portal.accounts.actor import actor_for
from portal.extensions import db
from portal.models import Person
from portal.people import services as people
from tests.helpers import login


def _bar(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return html[html.index('<header class="top">'):html.index("</header>")]


def test_each_user_sees_their_own_name_in_the_kept_bar(app, users):
    unit = users.unit("NB1")
    li, wang = users.person(unit, name="李娜"), users.person(unit, name="王强")
    first, second = app.test_client(), app.test_client()
    login(first, li.username, li.password)
    login(second, wang.username, wang.password)
    for _ in range(2):  # the second time from the kept bar
        bar_li, bar_wang = _bar(first), _bar(second)
        assert "李娜" in bar_li and "王强" not in bar_li
        assert "王强" in bar_wang and "李娜" not in bar_wang
        # The same roles and language: the same bar but for the name.
        assert bar_li.replace("李娜", "?") == bar_wang.replace("王强", "?")


def test_a_name_is_escaped_in_the_kept_bar(app, users):
    unit = users.unit("NB2")
    made = users.person(unit, name="张三")
    with app.app_context():  # a name as an import might have stored it
        db.session.get(Person, made.id).user.first_name = "<script>alert(1)</script>"
        db.session.commit()
    client = app.test_client()
    login(client, made.username, made.password)
    for _ in range(2):
        bar = _bar(client)
        assert "<script>alert(1)</script>" not in bar and "&lt;script&gt;alert(1)&lt;/script&gt;" in bar


def test_a_role_given_shows_its_menu_on_the_next_page(app, users):
    unit = users.unit("NB3")
    learner = users.person(unit, name="赵敏")
    client = app.test_client()
    login(client, learner.username, learner.password)
    with app.test_request_context():
        review = url_for("ReviewView.queue")
    assert review not in _bar(client)
    with app.test_request_context():
        admin = accounts.find_user("__factory__")
        people.update(actor_for(admin), db.session.get(Person, learner.id), {"role": "unit_admin"})
    assert review in _bar(client)
