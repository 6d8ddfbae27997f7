"""Start-up benchmark: the installed ``baclo`` against a bare Python, interleaved in one run.

Every read-only command (overview, each topic command, show, search, glossary, refs, topics, export, disputes,
dose-check) runs in every machine format and as a piped table, each many times, interleaved with
``python -c pass`` (the floor of any Python program) so that machine noise hits all alike. It prints the
median wall time of each and its ratio to ``python -c pass``; the goal is at most 3x. ``import typer`` and
``import typer, rich.table`` are timed too, as context.

The scaling part (``--scaling``) builds synthetic knowledge files at 1x, 10x and 25x the bundled one (more
topics, facts, references and terms), warms the cache, and times a topic command on each: the warm cost of
a topic should not grow with the file (goal: 10x within 1.3x of 1x).

Run from anywhere after ``pip install .`` (not an editable install: it recompiles on every run when
PYTHONDONTWRITEBYTECODE is set):

    python benchmarks/startup.py [--runs 15] [--quick] [--scaling]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("json", "ndjson", "yaml", "csv", "tsv", "markdown", "plain")
TOPICS = (
    "mechanism", "uses", "side-effects", "withdrawal", "addiction", "studies", "dosing", "identity",
    "formulations", "warnings", "pharmacokinetics", "interactions", "pregnancy", "overdose",
)  # fmt: skip
OTHERS: tuple[list[str], ...] = (
    [], ["show", "withdrawal"], ["search", "kidney"], ["glossary"], ["refs"], ["topics"], ["export"],
    ["disputes"], ["dose-check", "80", "--crcl", "40"],
)  # fmt: skip


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def _interleaved(commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    for cmd in commands.values():  # warm the disk cache and baclo's knowledge cache
        _time(cmd, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd, env))
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def startup(baclo: str, runs: int, quick: bool, env: dict[str, str]) -> bool:
    py = sys.executable
    commands: dict[str, list[str]] = {"python -c pass": [py, "-c", "pass"]}
    commands["import typer (context)"] = [py, "-c", "import typer"]
    commands["import typer, rich.table (context)"] = [py, "-c", "import typer, rich.console, rich.table"]
    shapes: list[list[str]] = [[t] for t in (TOPICS[:3] if quick else TOPICS)]
    shapes += list(OTHERS[:4] if quick else OTHERS)
    for args in shapes:
        for fmt in ("json",) if quick else FORMATS:
            commands[" ".join(["baclo", *args, "-f", fmt])] = [baclo, *args, "-f", fmt]
        commands[" ".join(["baclo", *args, "(piped table)"])] = [baclo, *args]
    medians = _interleaved(commands, runs, env)
    floor = medians["python -c pass"]
    worst = 0.0
    for name, ms in medians.items():
        ratio = ms / floor
        if name.startswith("baclo"):
            worst = max(worst, ratio)
        print(f"{name:58s} {ms:7.1f} ms  {ratio:5.2f}x")
    print(f"worst baclo ratio to python -c pass: {worst:.2f}x (goal <= 3.0), median of {runs} interleaved runs")
    return worst <= 3.0


def synthetic(source: Path, factor: int, folder: Path) -> Path:
    """The bundled file with its topics, references and glossary repeated ``factor`` times under new names."""
    import json

    import yaml

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    topics, references, glossary = dict(data["topics"]), list(data["references"]), list(data["glossary"])
    for copy in range(1, factor):
        suffix = f"-x{copy}"
        renamed = {r["id"]: r["id"] + suffix for r in data["references"]}
        references += [{**r, "id": renamed[r["id"]]} for r in data["references"]]
        for name, topic in data["topics"].items():
            facts = [{**f, "refs": [renamed[r] for r in f["refs"]]} for f in topic["facts"]]
            facts = [{k: v for k, v in f.items() if k != "dispute"} for f in facts]
            topics[name + suffix] = {**{k: v for k, v in topic.items() if k != "quiz"}, "facts": facts}
        glossary += [
            {
                **{k: v for k, v in g.items() if k != "aliases"},
                "term": g["term"] + suffix,
                "refs": [renamed[r] for r in g["refs"]],
            }
            for g in data["glossary"]
        ]
    data.update(topics=topics, references=references, glossary=glossary)
    data = json.loads(json.dumps(data))  # no shared objects: PyYAML would write them as anchors, which are refused
    path = folder / f"baclofen-{factor}x.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def scaling(baclo: str, runs: int, env: dict[str, str]) -> bool:
    from baclo_cli.knowledge.load import default_data_path

    with tempfile.TemporaryDirectory() as folder:
        files = {factor: synthetic(Path(default_data_path()), factor, Path(folder)) for factor in (1, 10, 25)}
        commands = {"python -c pass": [sys.executable, "-c", "pass"]}
        for factor, path in files.items():
            size = path.stat().st_size // 1024
            commands[f"withdrawal -f json, {factor}x file ({size} KiB)"] = [
                baclo, "--data", str(path), "withdrawal", "-f", "json"
            ]  # fmt: skip
        medians = _interleaved(commands, runs, env)
    for name, ms in medians.items():
        print(f"{name:58s} {ms:7.1f} ms")
    one = medians[next(k for k in medians if k.startswith("withdrawal") and "1x" in k)]
    ten = medians[next(k for k in medians if "10x" in k)]
    print(f"warm topic command at 10x the file: {ten / one:.2f}x the 1x time (goal <= 1.3)")
    return ten / one <= 1.3


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="interleaved runs of each command (default 15)")
    parser.add_argument("--quick", action="store_true", help="a few commands, JSON and piped table only")
    parser.add_argument("--scaling", action="store_true", help="also time a topic on 1x, 10x, 25x files")
    args = parser.parse_args()
    baclo = shutil.which("baclo", path=str(Path(sys.executable).parent)) or shutil.which("baclo")
    if baclo is None:
        print("baclo is not on PATH: pip install . first", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACLO_", "FORCE_COLOR", "NO_COLOR"))}
    env["BACLO_CACHE_DIR"] = tempfile.mkdtemp(prefix="baclo-bench-")
    ok = startup(baclo, args.runs, args.quick, env)
    if args.scaling:
        ok = scaling(baclo, args.runs, env) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
