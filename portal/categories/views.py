"""学分类别配置: the provincial admin creates and edits credit categories. The form is the
category's common fields plus the chosen credit type's own parameter form, with a preview of
what a learner would see and score."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from portal.categories import services
from portal.categories.forms import CategoryForm, summary_node_choices
from portal.contracts import CLASS_LABELS, to_json
from portal.models import CreditCategory

PARAMS_PREFIX = "params-"


class CategoryView(BaseView):
    route_base = "/categories"
    class_permission_name = "Categories"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("portal/categories/list.html", title=_("Credit categories"),
                                    categories=services.everything(),
                                    types=services.credit_types(), class_labels=CLASS_LABELS)

    @expose("/new")
    @has_access
    def choose_type(self):
        return self.render_template("portal/categories/types.html", title=_("New credit category"),
                                    types=sorted(services.credit_types().values(), key=lambda t: t.slug))

    @expose("/new/<slug>", methods=["GET", "POST"])
    @has_access
    def create(self, slug: str):
        if slug not in services.credit_types():
            abort(404)
        return self._edit(CreditCategory(type_slug=slug, params={}, enabled=True, position=0))

    @expose("/<int:category_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, category_id: int):
        category = services.get(category_id)
        if services.credit_type(category) is None:
            flash(_("The credit type of this category is not installed; it cannot be edited."), "warning")
            return redirect(url_for("CategoryView.index"))
        return self._edit(category)

    def _edit(self, category: CreditCategory):
        credit_type = services.credit_type(category)
        form = CategoryForm(obj=category if category.id else None)
        form.summary_node.choices = summary_node_choices()
        node_before = category.summary_node
        formdata = request.form if request.method == "POST" else None
        params = credit_type.Params(formdata=formdata, data=credit_type.params(category.params), prefix=PARAMS_PREFIX)
        params_ok = request.method == "POST" and params.validate()
        # A preview needs valid parameters only; saving validates both forms, neither
        # short-circuited, so that every error shows at once.
        if request.method == "POST" and request.form.get("action") != "preview" and form.validate() & params_ok:
            if services.name_taken(form.name.data, category.id):
                form.name.errors = [*form.name.errors, _("Another category has this name.")]
            else:
                form.populate_obj(category)
                services.save(category, params.data, node_before)
                flash(_("Category saved. Records already approved keep the parameters they were scored with."), "success")
                return redirect(url_for("CategoryView.index"))
        preview = credit_type.wizard(credit_type.params(to_json(params.data))) if not params.errors else []
        return self.render_template(
            "portal/categories/form.html", title=category.name or _("New credit category"), form=form, params=params,
            credit_type=credit_type, preview=preview, learner_fields=credit_type.Fields(), category=category,
        )
