"""The time as DateTime columns hold it: UTC without a time zone."""
import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
