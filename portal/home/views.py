"""The home page: the login page for visitors, a start page for signed-in users (out-of-province
learners have one page only: theirs)."""
import datetime as dt

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _

from portal.accounts.actor import current_actor
from portal.compliance import progress
from portal.review import services as review


class HomeView(IndexView):
    route_base = ""
    default_view = "index"

    @expose("/")
    def index(self):
        if g.user is None or not g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        actor = current_actor()
        if actor.is_out_of_province:
            return redirect(url_for("OutOfProvinceView.index"))
        today = dt.date.today()
        standing = progress.of(actor.person, today.year, today) if actor.person else None
        return self.render_template("portal/home/index.html", title=_("Home"), actor=actor, standing=standing,
                                    waiting=review.waiting(actor) + review.waiting(actor, earlier=True)
                                    if actor.is_unit_admin or actor.is_province_admin else 0)
