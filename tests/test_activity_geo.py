"""The venue's geofence: distances, and coordinates copied from Chinese map sites (GCJ-02, BD-09)
turned into the WGS-84 that phones report, so a venue picked on 高德 is not 500 m off."""
from __future__ import annotations

import pytest

from portal.activities import geo

HANGZHOU_WGS84 = (30.2741, 120.1551)


def test_the_haversine_distance_of_known_points():
    assert geo.distance_m(*HANGZHOU_WGS84, *HANGZHOU_WGS84) == 0
    # One thousandth of a degree of latitude is about 111 m anywhere.
    assert geo.distance_m(30.0, 120.0, 30.001, 120.0) == pytest.approx(111.2, abs=0.2)


def test_gcj02_and_bd09_coordinates_become_wgs84_within_a_metre():
    gcj = geo.wgs84_to_gcj02(*HANGZHOU_WGS84)
    assert geo.distance_m(*gcj, *HANGZHOU_WGS84) > 300  # what a map site's point is off by
    assert geo.distance_m(*geo.gcj02_to_wgs84(*gcj), *HANGZHOU_WGS84) < 1
    # 百度's own published offset of GCJ-02.
    import math
    x, y = gcj[1], gcj[0]
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * math.pi * 3000.0 / 180.0)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * math.pi * 3000.0 / 180.0)
    bd = (z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065)
    assert geo.distance_m(*geo.bd09_to_wgs84(*bd), *HANGZHOU_WGS84) < 2
    # Outside China nothing is shifted.
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
