"""The per-app plugin manager: built-in plugins from plugins/ (installed as ``portal_plugins``),
then third-party distributions through entry points of group ``portal``."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import entry_points

import pluggy

from portal import hookspecs
from portal.contracts import Contract, DocumentExporter, DocumentKind, Exporter

BUILTIN_PACKAGE = "portal_plugins"
BUILTIN_GROUPS = ("auth", "credit_types", "exporters", "notifiers", "scanners", "faces")
ENTRY_POINT_GROUP = "portal"


class PluginError(RuntimeError):
    """A plugin failed to load or broke the contract; start-up stops with its name."""


@dataclass
class Registry:
    """Everything plugins registered for one app, keyed by slug."""

    pm: pluggy.PluginManager
    credit_types: dict[str, type] = field(default_factory=dict)
    exporters: dict[str, type] = field(default_factory=dict)
    login_methods: dict[str, type] = field(default_factory=dict)
    sms_senders: dict[str, type] = field(default_factory=dict)
    notifiers: dict[str, type] = field(default_factory=dict)

    def collect(self) -> None:
        for hook, target in (
            (self.pm.hook.register_credit_types, self.credit_types),
            (self.pm.hook.register_exporters, self.exporters),
            (self.pm.hook.register_login_methods, self.login_methods),
            (self.pm.hook.register_sms_senders, self.sms_senders),
            (self.pm.hook.register_notifiers, self.notifiers),
        ):
            # Each implementation is called on its own so that a failure names its plugin.
            for impl in hook.get_hookimpls():
                try:
                    classes = impl.function() or []
                except Exception as e:
                    raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook.name}: {type(e).__name__}: {e}") from e
                for cls in classes:
                    _add(target, cls, impl.plugin_name)
                    if target is self.exporters:
                        self._check_document(cls, impl.plugin_name)

    def table_exporters(self) -> list[type[Exporter]]:
        """The exporters that write tables, in registration order: an export button offers each."""
        return [e for e in self.exporters.values() if e.document == DocumentKind.TABLE]

    def exporter_of(self, kind: DocumentKind) -> type[DocumentExporter] | None:
        """The one exporter that writes documents of ``kind`` (certificates ...), if any."""
        return next((e for e in self.exporters.values() if e.document == kind and kind != DocumentKind.TABLE), None)

    def _check_document(self, cls: type, plugin_name: str) -> None:
        """An exporter says what it writes; an issued document has one exporter, so that which
        one the core uses never depends on the order plugins load in."""
        documents = [k.value for k in DocumentKind if k != DocumentKind.TABLE]
        kind = getattr(cls, "document", None)
        if issubclass(cls, Exporter) and kind == DocumentKind.TABLE:
            return
        if not (issubclass(cls, DocumentExporter) and kind in documents):
            raise PluginError(f"plugin {plugin_name!r} registers exporter {cls.slug!r}, which is neither an Exporter "
                              f"of tables nor a DocumentExporter whose document is one of {', '.join(documents)}")
        first = next(e for e in self.exporters.values() if e.document == kind)
        if first is not cls:
            raise PluginError(f"plugin {plugin_name!r} registers exporter {cls.slug!r} of {kind} documents, "
                              f"already written by {first.slug!r} ({first.__module__})")


def _add(target: dict[str, type], cls: type, plugin_name: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Contract) and getattr(cls, "slug", None)):
        raise PluginError(f"plugin {plugin_name!r} registered {cls!r}, which is not a contract class with a slug")
    if cls.slug in target:
        raise PluginError(
            f"plugin {plugin_name!r} registers slug {cls.slug!r}, already registered by {target[cls.slug].__module__}"
        )
    target[cls.slug] = cls


def builtin_plugin_names() -> list[str]:
    """Built-in plugins, named by their path under plugins/ (``auth.password``)."""
    names = []
    for group in BUILTIN_GROUPS:
        package = importlib.import_module(f"{BUILTIN_PACKAGE}.{group}")
        names += [f"{group}.{m.name}" for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    return sorted(names)


def build_registry(disabled: list[str] | tuple[str, ...] = ()) -> Registry:
    pm = pluggy.PluginManager("portal")
    pm.add_hookspecs(hookspecs)
    skip = set(disabled)
    for name in builtin_plugin_names():
        if name not in skip:
            _register(pm, name, _load(name, partial(importlib.import_module, f"{BUILTIN_PACKAGE}.{name}")))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in skip:
            _register(pm, ep.name, _load(ep.name, ep.load))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        # PluginValidationError carries the plugin object, not its name.
        raise PluginError(f"plugin {pm.get_name(e.plugin)!r} implements an unknown hook: {e}") from e
    registry = Registry(pm)
    registry.collect()
    return registry


def _register(pm: pluggy.PluginManager, name: str, plugin) -> None:
    """Register under ``name``; a hook implementation whose arguments are not in the hookspec,
    or a name already taken (by a built-in or another distribution), stops start-up naming it."""
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as e:
        raise PluginError(f"plugin {name!r} cannot be registered: {e}") from e


def _load(name: str, loader):
    try:
        return loader()
    except Exception as e:
        raise PluginError(
            f"plugin {name!r} failed to load: {type(e).__name__}: {e} "
            f"(add it to PORTAL_DISABLED_PLUGINS to start without it)"
        ) from e
