"""``make bench-province`` (issue 12 item 3): a province of 600,000 people and 30 million credit
records a year built on the local PostgreSQL (shape.py decides its shape, generate.py loads it
with COPY), and the bench's cases on it beside the same cases on a province of 1 million records
(cases.py). ``python -m bench.province`` runs it; see docs/scale.md."""
