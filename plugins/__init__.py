"""Built-in plugins, installed as the package ``portal_plugins`` (see pyproject.toml)."""
