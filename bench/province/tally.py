"""Child process of bench-province: one full run of the tallies job for the years given (a year,
or several separated by commas), in a process of its own as an RQ worker runs it, so that the
pages timed after it are not timed in a process that holds what judging a whole province left
behind. Prints "<seconds> <people judged>".
Usage: python -m bench.province.tally DATABASE_URL INSTANCE YEAR[,YEAR...]"""
import sys
import time
from pathlib import Path

from bench.app import make_app
from portal.background import collector_spared
from portal.compliance import tallies


def main(database_url: str, instance: str, years: str) -> None:
    app = make_app(database_url, Path(instance))
    with app.test_request_context(), collector_spared():  # as portal.worker.run_in_app runs a job
        started = time.perf_counter()
        ran = tallies.run([int(y) for y in years.split(",")], full=True)
        seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {sum(r.people for r in ran)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
