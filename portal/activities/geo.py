"""Distances on the WGS-84 globe, for the venue's geofence."""
from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): within a few metres at a venue's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# China's map sites (高德, 腾讯) give GCJ-02 coordinates, 百度 gives BD-09: both hundreds of metres
# from the WGS-84 a phone's GPS reports. The published GCJ-02 formula (Krasovsky ellipsoid) and its
# inverse by fixed-point iteration, within a few centimetres.
_A = 6378245.0
_EE = 0.00669342162296594323


def _in_china(lat: float, lon: float) -> bool:
    return 0.8293 <= lat <= 55.8271 and 72.004 <= lon <= 137.8347


def _delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if not _in_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _delta(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    found = (lat, lon)
    for _ in range(10):
        shifted = wgs84_to_gcj02(*found)
        found = (found[0] + lat - shifted[0], found[1] + lon - shifted[1])
    return found


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * math.pi * 3000.0 / 180.0)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * math.pi * 3000.0 / 180.0)
    return gcj02_to_wgs84(z * math.sin(theta), z * math.cos(theta))


DATUMS = {"wgs84": lambda lat, lon: (lat, lon), "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
