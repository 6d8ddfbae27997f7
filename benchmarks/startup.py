"""Start-up benchmark: the installed ``baclo`` against the bare imports it cannot avoid.

Runs each command many times, interleaved (so machine noise hits all of them alike), and prints the
median wall time of each and two ratios:

* ``baclo uses -f json``      / ``python -c "import typer"``
* ``baclo side-effects`` (piped) / ``python -c "import typer, rich.console, rich.table"``

Both ratios should stay at or below 1.5. Run from anywhere after ``pip install .``:

    python benchmarks/startup.py [--runs 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs of each command (default 40)")
    args = parser.parse_args()
    baclo = shutil.which("baclo")
    if baclo is None:
        print("baclo is not on PATH: pip install . first", file=sys.stderr)
        return 2
    py = sys.executable
    commands = {
        "import typer": [py, "-c", "import typer"],
        "baclo uses -f json": [baclo, "uses", "-f", "json"],
        "import typer, rich.console, rich.table": [py, "-c", "import typer, rich.console, rich.table"],
        "baclo side-effects (piped)": [baclo, "side-effects"],
    }
    for cmd in commands.values():  # warm the disk cache and baclo's knowledge cache
        _time(cmd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd))
    medians = {name: statistics.median(times) * 1000 for name, times in samples.items()}
    for name, ms in medians.items():
        print(f"{name:42s} {ms:7.1f} ms (median of {args.runs})")
    json_ratio = medians["baclo uses -f json"] / medians["import typer"]
    table_ratio = medians["baclo side-effects (piped)"] / medians["import typer, rich.console, rich.table"]
    print(f"ratio json  = {json_ratio:.2f}  (baclo uses -f json / import typer; target <= 1.5)")
    print(f"ratio table = {table_ratio:.2f}  (baclo side-effects / import typer+rich.table; target <= 1.5)")
    return 0 if json_ratio <= 1.5 and table_ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
