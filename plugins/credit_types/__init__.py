"""Credit types: one module each (form, validation, evidence rules, scoring)."""
