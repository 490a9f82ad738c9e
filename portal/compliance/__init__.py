"""Compliance (达标): the yearly credit summary, the rule sets and judging a person's year."""
