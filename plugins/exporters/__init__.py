"""Exporters: turn query results and records into files."""
