"""The per-app plugin manager: built-in plugins from plugins/ (installed as ``portal_plugins``),
then third-party distributions through entry points of group ``portal``."""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from portal import hookspecs
from portal.contracts import Contract

BUILTIN_PACKAGE = "portal_plugins"
BUILTIN_GROUPS = ("auth", "credit_types", "exporters")
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

    def collect(self) -> None:
        for hook, target in (
            (self.pm.hook.register_credit_types, self.credit_types),
            (self.pm.hook.register_exporters, self.exporters),
            (self.pm.hook.register_login_methods, self.login_methods),
            (self.pm.hook.register_sms_senders, self.sms_senders),
        ):
            # Each implementation is called on its own so that a failure names its plugin.
            for impl in hook.get_hookimpls():
                try:
                    classes = impl.function() or []
                except Exception as e:
                    raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook.name}: {type(e).__name__}: {e}") from e
                for cls in classes:
                    _add(target, cls, impl.plugin_name)


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
            _register(pm, name, _load(name, lambda: importlib.import_module(f"{BUILTIN_PACKAGE}.{name}")))
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
