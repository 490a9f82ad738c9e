"""The plugin contract: every hook a plugin may implement. Plugins implement them with
``@portal.hookimpl``; docs/plugins.md documents each one for plugin authors."""
import pluggy

hookspec = pluggy.HookspecMarker("portal")


@hookspec
def register_credit_types():
    """Return a list of :class:`portal.contracts.CreditType` subclasses this plugin provides.

    Slugs must be unique across all plugins; a duplicate stops start-up."""


@hookspec
def register_exporters():
    """Return a list of :class:`portal.contracts.Exporter` subclasses (Excel, PDF ...)."""


@hookspec
def register_login_methods():
    """Return a list of :class:`portal.contracts.LoginMethod` subclasses: ways to sign in
    beside the username + password + captcha form, shown as tabs on the login page."""


@hookspec
def register_views(appbuilder):
    """Add views, REST APIs and menu entries to ``appbuilder`` (a Flask-AppBuilder instance).

    Called once per app, after the core views are registered."""


@hookspec
def person_created(person, actor):
    """Event: an administrator created ``person`` (a :class:`portal.models.Person`, already
    flushed, with an id). ``actor`` is the :class:`portal.accounts.actor.Actor` who did it.
    Called inside the creating transaction: raise to refuse the creation."""
