"""Compliance standards (达标标准) as data: the provincial admin's editor, the browse page every
signed-in user reads, and the API for tools."""
