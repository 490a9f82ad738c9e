"""The home page: the login page for visitors, a start page for signed-in users."""
from flask import g, redirect
from flask_appbuilder import IndexView, expose
from flask_babel import gettext as _

from portal.accounts.actor import current_actor


class HomeView(IndexView):
    route_base = ""
    default_view = "index"

    @expose("/")
    def index(self):
        if g.user is None or not g.user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("portal/home.html", title=_("Home"), actor=current_actor())
