"""Start-up benchmark: the installed ``baclo`` against a bare Python, interleaved in one run.

Every read-only command (overview, each topic command, show, search, glossary, refs, topics, export, disputes,
dose-check, schema, flashcards, a seeded quiz -f, validate) runs in every machine format and as a piped table
(a quiz only with a format: without one it asks its questions), and in every spelling scripts use
(``--format=json``, ``-fjson``, options first, an unseeded ``quiz -f json``), each many times; repeated runs of
the answers baclo keeps (export, flashcards, a seeded quiz, validate, review --stats) replay them, so those are also
timed as first runs (the kept answers deleted before each run, by a Python that then runs baclo in-process,
paired with the same Python deleting them and stopping: the first run of the day, or after a review). Each timed
run of a command follows a timed run of ``python -c pass`` (the floor of any Python program), and the ratio is
taken pair by pair, so machine noise and drift hit both sides of every ratio alike. It prints each command's median
time and the median of its ratios; the goals: every scripted read-only call at most 2.5x, ``--help`` and
``COMMAND --help`` at most 3x. ``import typer`` and ``import typer, rich.table`` are timed too, as context.

The scaling part (``--scaling``) builds synthetic knowledge files at 1x, 10x and 25x the bundled one (more
topics, facts, references and terms) and times, warm: a topic command (goal: 10x within 1.3x of 1x), the
overview and ``topics`` (goal: 25x within 1.3x of 1x); and cold (no cache): a topic command on the 25x file.

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
    [], ["show", "withdrawal"], ["search", "kidney"], ["search", "withdrawl"], ["glossary"], ["refs"],
    ["topics"], ["export"], ["disputes"], ["dose-check", "80", "--crcl", "40"], ["schema", "uses"],
    ["flashcards"], ["quiz", "--seed", "1"],
)  # fmt: skip
SPELLINGS: tuple[list[str], ...] = (
    ["uses", "--format=json"], ["uses", "-fjson"], ["-f", "json", "uses"], ["-fjson", "side-effects", "--serious"],
    ["withdrawal", "--where=aspect=symptom", "--fields=aspect,detail", "-fcsv"], ["validate", "-f", "json"],
    ["--version"], ["review", "--stats", "-f", "json"], ["quiz", "-f", "json"],
)  # fmt: skip
# Without --format these ask questions (a quiz session reading its answers from the pipe): not an answer.
SESSIONS = ("quiz",)
HELP: tuple[list[str], ...] = (["--help"], ["uses", "--help"], ["dose-check", "-h"])
KEPT: tuple[list[str], ...] = (
    ["export", "-f", "yaml"], ["export", "-f", "json"], ["flashcards", "-f", "tsv"], ["flashcards", "-f", "json"],
    ["quiz", "--seed", "1", "-f", "json"], ["review", "--stats", "-f", "json"], ["validate", "-f", "json"],
)  # fmt: skip
# Forgets every kept answer, then (given arguments) runs baclo as its installed script does.
FORGET = (
    "import os, sys\n"
    "for entry in os.scandir(os.environ['BACLO_CACHE_DIR']):\n"
    "    if entry.name.startswith('answer-'):\n"
    "        os.unlink(entry.path)\n"
    "if len(sys.argv) > 1:\n"
    "    sys.argv = ['baclo', *sys.argv[1:]]\n"
    "    from baclo_cli.cli.entry import program\n"
    "    program()\n"
)


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


FLOOR = [sys.executable, "-c", "pass"]


def _interleaved(
    commands: dict[str, list[str]], runs: int, env: dict[str, str], floors: dict[str, list[str]] | None = None
) -> dict[str, tuple[float, float]]:
    """Median milliseconds and median ratio to ``python -c pass`` (or the command's own floor in ``floors``) of
    each command, the floor timed just before each run of each command (one pair per run), so the ratio is taken
    pair by pair."""
    for cmd in commands.values():  # warm the disk cache and baclo's knowledge and help caches
        _time(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    ratios: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            floor = _time((floors or {}).get(name, FLOOR), env)
            took = _time(cmd, env)
            times[name].append(took)
            ratios[name].append(took / floor)
    return {name: (statistics.median(times[name]) * 1000, statistics.median(ratios[name])) for name in commands}


def startup(baclo: str, runs: int, quick: bool, env: dict[str, str]) -> bool:
    py = sys.executable
    commands: dict[str, list[str]] = {}
    commands["import typer (context)"] = [py, "-c", "import typer"]
    commands["import typer, rich.table (context)"] = [py, "-c", "import typer, rich.console, rich.table"]
    shapes: list[list[str]] = [[t] for t in (TOPICS[:3] if quick else TOPICS)]
    shapes += list(OTHERS[:4] if quick else OTHERS)
    for args in shapes:
        for fmt in ("json",) if quick else FORMATS:
            commands[" ".join(["baclo", *args, "-f", fmt])] = [baclo, *args, "-f", fmt]
        if args[:1] not in ([s] for s in SESSIONS):
            commands[" ".join(["baclo", *args, "(piped table)"])] = [baclo, *args]
    for args in SPELLINGS:
        commands[" ".join(["baclo", *args])] = [baclo, *args]
    for args in HELP:
        commands[" ".join(["baclo", *args])] = [baclo, *args]
    results = _interleaved(commands, runs, env)
    # First runs in a cache folder of their own: forgetting the kept answers must not turn the replays above
    # into first runs.
    firsts: dict[str, list[str]] = {}
    floors: dict[str, list[str]] = {}
    for args in KEPT:
        name = " ".join(["baclo", *args, "(first run)"])
        firsts[name] = [py, "-c", FORGET, *args]
        floors[name] = [py, "-c", FORGET]
    own = {**env, "BACLO_CACHE_DIR": tempfile.mkdtemp(prefix="baclo-bench-first-")}
    results.update(_interleaved(firsts, runs, own, floors))
    worst = worst_help = 0.0
    for name, (ms, ratio) in results.items():
        if name.startswith("baclo") and any(h in name.split() for h in ("--help", "-h")):
            worst_help = max(worst_help, ratio)
        elif name.startswith("baclo"):
            worst = max(worst, ratio)
        print(f"{name:64s} {ms:7.1f} ms  {ratio:5.2f}x")
    print(f"worst scripted read-only call: {worst:.2f}x python -c pass (goal <= 2.5)")
    print(f"worst help: {worst_help:.2f}x python -c pass (goal <= 3.0); median of {runs} interleaved pairs each")
    return worst <= 2.5 and worst_help <= 3.0


def synthetic(source: Path, factor: int, folder: Path) -> Path:
    """The bundled file with its topics, references and glossary repeated ``factor`` times under new names."""
    import json

    import yaml

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    topics, references, glossary = dict(data["topics"]), list(data["references"]), list(data["glossary"])
    for copy in range(1, factor):
        suffix = f"-x{copy}"
        renamed = {r["id"]: r["id"] + suffix for r in data["references"]}
        # Copied: the references the copied topics and terms cite (those the rules and the card cite stay single).
        cited = {r for topic in data["topics"].values() for f in topic["facts"] for r in f["refs"]}
        cited |= {r for g in data["glossary"] for r in g["refs"]}
        references += [{**r, "id": renamed[r["id"]]} for r in data["references"] if r["id"] in cited]
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
        commands: dict[str, list[str]] = {}
        for factor, path in files.items():
            size = path.stat().st_size // 1024
            for args in (["withdrawal", "-f", "json"], ["overview", "-f", "json"], ["topics", "-f", "json"]):
                commands[f"{' '.join(args)}, {factor}x file ({size} KiB)"] = [baclo, "--data", str(path), *args]
        warm = _interleaved(commands, runs, env)
        cold_env = {**env, "BACLO_NO_CACHE": "1"}
        cold = _interleaved(
            {f"cold withdrawal -f json, {f}x file": [baclo, "--data", str(files[f]), "withdrawal", "-f", "json"]
             for f in (1, 25)},
            max(3, runs // 3),
            cold_env,
        )  # fmt: skip
    for name, (ms, ratio) in {**warm, **cold}.items():
        print(f"{name:64s} {ms:7.1f} ms  {ratio:5.2f}x")

    def growth(command: str, factor: int) -> float:
        """The command's ratio to ``python -c pass`` at ``factor`` over its ratio at 1x: each ratio is taken pair
        by pair, so the drift of a long run does not pass for growth (raw times measured minutes apart would)."""
        at = {
            f: next(v[1] for k, v in warm.items() if k.startswith(command + ",") and f" {f}x " in k)
            for f in (1, factor)
        }
        return at[factor] / at[1]

    topic, overview, topics = (
        growth("withdrawal -f json", 10),
        growth("overview -f json", 25),
        growth("topics -f json", 25),
    )
    print(f"warm topic command at 10x the file: {topic:.2f}x the 1x cost (ratio to python -c pass; goal <= 1.3)")
    print(f"overview at 25x the file: {overview:.2f}x the 1x cost; topics: {topics:.2f}x (goal <= 1.3 each)")
    return topic <= 1.3 and overview <= 1.3 and topics <= 1.3


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="interleaved runs of each command (default 15)")
    parser.add_argument("--quick", action="store_true", help="a few commands, JSON and piped table only")
    parser.add_argument("--scaling", action="store_true", help="also time a topic on 1x, 10x, 25x files")
    parser.add_argument("--scaling-only", action="store_true", help="only the scaling part")
    args = parser.parse_args()
    baclo = shutil.which("baclo", path=str(Path(sys.executable).parent)) or shutil.which("baclo")
    if baclo is None:
        print("baclo is not on PATH: pip install . first", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACLO_", "FORCE_COLOR", "NO_COLOR"))}
    env["BACLO_CACHE_DIR"] = tempfile.mkdtemp(prefix="baclo-bench-")
    ok = True if args.scaling_only else startup(baclo, args.runs, args.quick, env)
    if args.scaling or args.scaling_only:
        ok = scaling(baclo, args.runs, env) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
