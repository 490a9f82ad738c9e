"""Built-in notifiers: ways to deliver notices beside the portal's notice box (PORTAL_NOTIFIERS)."""
