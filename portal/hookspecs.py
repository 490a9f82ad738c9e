"""The plugin contract: every hook a plugin may implement. Plugins implement them with
``@hookimpl`` (``from portal.hookspecs import hookimpl``); docs/plugins.md documents each one for plugin authors."""
import pluggy

hookspec = pluggy.HookspecMarker("portal")
# Plugins mark their implementations with this: ``from portal.hookspecs import hookimpl``.
hookimpl = pluggy.HookimplMarker("portal")


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
def register_sms_senders():
    """Return a list of :class:`portal.contracts.SmsSender` subclasses: ways to send the SMS
    login's codes. ``PORTAL_SMS_SENDER`` picks one by slug."""


@hookspec
def register_notifiers():
    """Return a list of :class:`portal.contracts.Notifier` subclasses: ways to deliver notices
    beside the portal's notice box. ``PORTAL_NOTIFIERS`` picks the ones in use by slug."""


@hookspec
def register_views(appbuilder):
    """Add views, REST APIs and menu entries to ``appbuilder`` (a Flask-AppBuilder instance).

    Called once per app, after the core views are registered."""


@hookspec
def person_created(person, actor):
    """Event: an administrator created ``person`` (a :class:`portal.contracts.PersonInfo`, with its
    id). ``actor`` (a :class:`portal.contracts.ActorInfo`) did it. Called inside the creating
    transaction: raise to refuse the creation."""


@hookspec
def credit_submitted(record, actor):
    """Event: ``record`` (a :class:`portal.contracts.RecordInfo`) was submitted for review by
    ``actor`` (a :class:`portal.contracts.ActorInfo`). Called after the change is committed; an
    exception here does not undo it."""


@hookspec
def credit_reviewed(record, actor):
    """Event: ``actor`` (a :class:`portal.contracts.ActorInfo`, a unit admin or the province) approved
    or rejected ``record`` (a :class:`portal.contracts.RecordInfo`); ``record.status`` says which and
    ``record.review_comment`` why. Called after the change is committed."""


@hookspec
def scan_upload(data, filename):
    """Look at an uploaded evidence file's bytes (``data``, after the portal's own checks; the
    learner named it ``filename``) before it is stored: an antivirus, say. Return None when the
    file is clean or this plugin is not configured, else a short reason (the signature found):
    the upload is refused. Raise when the scan cannot be made: the upload is refused too, since
    a configured scanner that cannot answer must not let files through."""


@hookspec
def register_app_entries():
    """Entries a plugin adds to the phone app's grid, after the core's: a list of
    ``portal.contracts.AppEntry``. Called for each page of the grid, so a plugin that is not
    configured returns none; shown to every learner with a person of their own."""
