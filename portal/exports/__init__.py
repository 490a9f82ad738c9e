"""Exports: named tables (portal.exports.tables) written by an exporter plugin, sent at once when
small, or made by a job (portal.exports.jobs) with a progress page when large."""
