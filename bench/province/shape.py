"""The province's shape, decided before anything is written: 11 cities, 90 counties and units of
skewed sizes (lognormal quantiles: a few hospitals of 5,000 staff, many clinics of about ten)
that add up to the people; about 50 records a person in the current year, skewed as well."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from statistics import NormalDist

CITIES = ("杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市")
COUNTIES = (13, 10, 12, 7, 5, 6, 9, 6, 4, 9, 9)   # per city: 90
PEOPLE = 600_000
UNITS = 3_000
LARGEST = 5_000
SMALLEST = 3
SIZE_SIGMA = 1.2         # spread of the unit sizes' logarithm
RECORDS_PER_PERSON = 50  # in the current year, on average
RECORDS_SIGMA = 0.6
HISTORY_YEARS = 4        # earlier years, RECORDS_PER_HISTORY_YEAR records a person each
RECORDS_PER_HISTORY_YEAR = 5
# Statuses of the current year's records (a few weeks before the deadline) and of earlier years'.
CURRENT_STATUSES = {"approved": 85, "submitted": 8, "draft": 4, "rejected": 2, "deleted": 1}
HISTORY_STATUSES = {"approved": 97, "rejected": 3}


@dataclass(frozen=True)
class Institution:
    county: int       # index into the counties, in city order
    size: int
    level: str        # 医院等级
    type: str
    name_kind: str


@dataclass(frozen=True)
class Shape:
    people: int
    counties: list[tuple[int, str]]   # (city index, county name)
    institutions: list[Institution]   # largest first


def scaled(scale: float) -> tuple[int, int]:
    """(people, units) at ``scale`` of the province: 0.01 is 6,000 people in 30 units."""
    return max(1, round(PEOPLE * scale)), max(1, round(UNITS * scale))


def unit_sizes(people: int, units: int) -> list[int]:
    """``units`` sizes, largest first, adding up to ``people``: the quantiles of a lognormal law,
    between SMALLEST and LARGEST, scaled so that they add up (what rounding leaves over goes to the
    mid-sized units, a person each)."""
    normal = NormalDist()
    raw = [math.exp(SIZE_SIGMA * normal.inv_cdf(1 - (i + 0.5) / units)) for i in range(units)]

    def sizes(k: float) -> list[int]:
        return [min(LARGEST, max(SMALLEST, round(k * r))) for r in raw]

    low, high = 0.0, people / min(raw)
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if sum(sizes(middle)) < people else (low, middle)
    found = sizes(high)
    order = sorted(range(units), key=lambda i: abs(i - units // 2))   # the middle first
    step = 1 if sum(found) < people else -1
    n = 0
    while (left := people - sum(found)) != 0:
        i = order[n % units]
        if SMALLEST <= found[i] + step <= LARGEST:
            found[i] += step
        n += 1
        if n > 10 * units * max(1, abs(left)):
            raise ValueError(f"cannot spread {people} people over {units} units of at most {LARGEST}")
    return sorted(found, reverse=True)


def province(scale: float, seed: int) -> Shape:
    """The counties and the institutions at ``scale``: the largest unit of each city is its city
    hospital (三级, in its first county); the others go to counties at random."""
    people, units = scaled(scale)
    rng = random.Random(seed)
    counties = [(c, f"{CITIES[c][:-1]}第{k + 1}区县") for c, n in enumerate(COUNTIES) for k in range(n)]
    first_county = [sum(COUNTIES[:c]) for c in range(len(CITIES))]
    institutions = []
    for n, size in enumerate(unit_sizes(people, units)):
        county = first_county[n] if n < len(CITIES) else rng.randrange(len(counties))
        if size >= 1000:
            kind = ("三级", "医院", "人民医院")
        elif size >= 100:
            kind = ("二级", "医院", "中医院")
        elif size >= 30:
            kind = ("一级", rng.choice(("社区卫生服务中心", "卫生院")), "卫生院")
        else:
            kind = ("未定级", "村卫生室", "卫生室")
        institutions.append(Institution(county, size, *kind))
    return Shape(people, counties, institutions)


def records_per_person(rng: random.Random) -> int:
    """A person's records in the current year: lognormal around RECORDS_PER_PERSON (some a
    handful, some well over a hundred)."""
    mu = math.log(RECORDS_PER_PERSON) - RECORDS_SIGMA ** 2 / 2
    return max(1, round(rng.lognormvariate(mu, RECORDS_SIGMA)))
