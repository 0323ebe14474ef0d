"""Run each benchmark case for each engine in its own fresh process, in rounds, and print medians and ratios.

The engines of a case run round-robin, once per round, so that machine drift and per-process noise fall on
all of them alike; each metric is the median over the rounds, each ratio the median of the rounds' ratios.
Our engine and the numpy floor run with this Python; the peers with bench/.venv-peers (bench/peers.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import common
import numpy as np

BENCH = Path(__file__).resolve().parent
PEERS_PYTHON = BENCH / ".venv-peers" / "bin" / "python"
ENGINES = ["numpy", "ours", "torch", "mygrad", "dezero", "hips", "micrograd"]
LOCAL = {"numpy", "ours"}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# the metrics whose spread over the rounds is shown
TIMED_METRICS = ("s/epoch", "us/op", "us/step", "s/iter", "ms/step")


def run_case(engine: str, bench: str, case: str, threads: int, quick: bool, timeout: float) -> dict[str, Any]:
    """Run one case in a fresh child process; its JSON result, or what went wrong."""
    result: dict[str, Any] = {"engine": engine, "bench": bench, "case": case, "threads": threads}
    python = sys.executable if engine in LOCAL else str(PEERS_PYTHON)
    if engine not in LOCAL and not PEERS_PYTHON.exists():
        return result | {"status": "not installed", "error": "no bench/.venv-peers: run bench/peers.sh"}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(dict.fromkeys(THREAD_VARS, str(threads)))
    if engine == "ours":
        env["PYTHONPATH"] = str(common.ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [python, str(BENCH / "child.py"), "--engine", engine, "--bench", bench, "--case", case]
        cmd += ["--threads", str(threads), "--out", str(out)] + (["--quick"] if quick else [])
        try:
            proc = subprocess.run(cmd, env=env, cwd=common.ROOT, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return result | {"status": "timeout", "error": f"killed after {timeout:.0f} s"}
        if out.exists():
            return json.loads(out.read_text())
    tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
    return result | {"status": "crashed", "error": f"exit code {proc.returncode}: {tail}"}


def merge_values(values: list[Any]) -> Any:
    """One metric over the rounds: the median when every value is a number, else the first round's value."""
    return common.median(values) if all(isinstance(v, float) for v in values) else values[0]


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from the rounds' runs of one (engine, bench, case, threads), all kept under "runs".

    Every metric is the median over the successful rounds and the checks are the first successful round's;
    "spread" holds (max - min) / median of each timed metric. With no successful round, the result is the
    first round's failure (or n/a).
    """
    ok = [r for r in runs if r["status"] == "ok"]
    base = {k: v for k, v in (ok or runs)[0].items() if k != "round"}
    merged = base | {"runs": runs, "load": max(r.get("load", 0.0) for r in runs)}
    if not ok:
        return merged
    names = dict.fromkeys(n for r in ok for n in r["metrics"])
    merged["metrics"] = {n: merge_values([r["metrics"][n] for r in ok if n in r["metrics"]]) for n in names}
    merged["spread"] = {}
    for name in TIMED_METRICS:
        values = [r["metrics"][name] for r in ok if isinstance(r["metrics"].get(name), float)]
        if len(values) > 1 and common.median(values):
            merged["spread"][name] = (max(values) - min(values)) / common.median(values)
    return merged


def fmt(value: Any) -> str:
    """A cell: 3 significant digits for numbers, the text otherwise."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def cell(result: dict[str, Any] | None, key: str, name: str) -> Any:
    """The value of metric (or check) `name` in a result, or its status when it has none."""
    if result is None:
        return "-"
    return result.get(key, {}).get(name, result["status"] if result["status"] != "ok" else "-")


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print rows as left-aligned columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def round_values(result: dict[str, Any] | None, name: str) -> dict[int, float]:
    """The numeric values of metric `name` in the successful rounds of a merged result, by round."""
    runs = result["runs"] if result else []
    values = {r["round"]: r["metrics"].get(name) for r in runs if r["status"] == "ok"}
    return {i: v for i, v in values.items() if isinstance(v, float)}


def round_ratios(ours: dict[str, Any] | None, other: dict[str, Any] | None, name: str) -> list[float]:
    """ours / other in each round where both have a value, sorted."""
    a, b = round_values(ours, name), round_values(other, name)
    return sorted(a[i] / b[i] for i in a.keys() & b.keys() if b[i])


def ratio(ours: dict[str, Any] | None, other: dict[str, Any] | None, name: str) -> str:
    """The median over rounds of ours / other in the same round, to 2 decimals; '-' when no round has both."""
    per_round = round_ratios(ours, other, name)
    return f"{common.median(per_round):.2f}" if per_round else "-"


def spread(result: dict[str, Any] | None, name: str) -> str:
    """The spread of a timed metric over the rounds, (max - min) / median, as a percentage; '-' when none."""
    value = result.get("spread", {}).get(name) if result else None
    return "-" if value is None else f"{100 * value:.1f}%"


def report(results: list[dict[str, Any]], engines: list[str], threads: int, rounds: int) -> None:
    """Print the medians, ours/other ratios, spreads over the rounds and cross-engine checks of one thread count."""
    mine = [r for r in results if r["threads"] == threads]
    by_key = {(r["bench"], r["case"], r["engine"]): r for r in mine}
    shown = [e for e in engines if any(r["engine"] == e for r in mine)]
    others = [e for e in shown if e != "ours"]
    medians, ratios, per_round, spreads, checks = [], [], [], [], []
    for bench, case in dict.fromkeys((r["bench"], r["case"]) for r in mine):
        row = {e: by_key.get((bench, case, e)) for e in shown}
        for name in dict.fromkeys(n for r in row.values() if r for n in r.get("metrics", {})):
            label = [f"{bench} {case}", name]
            medians.append(label + [fmt(cell(row[e], "metrics", name)) for e in shown])
            ratios.append(label + [ratio(row.get("ours"), row[e], name) for e in others])
            if name in TIMED_METRICS:
                spreads.append(label + [spread(row[e], name) for e in shown])
                if "numpy" in row and "ours" in row:
                    sorted_ratios = round_ratios(row["ours"], row["numpy"], name)
                    per_round.append(label + [" ".join(f"{r:.3f}" for r in sorted_ratios) or "-"])
        for name in dict.fromkeys(n for r in row.values() if r for n in r.get("checks", {})):
            checks.append([f"{bench} {case}", name] + [fmt(cell(row[e], "checks", name)) for e in shown])
    header = ["benchmark", "metric"]
    print(f"\nmedians over {rounds} round(s), {threads} thread(s):")
    print_table(header + shown, medians)
    if any(c != "-" for r in ratios for c in r[2:]):
        print(f"\nratios ours / other, {threads} thread(s) (below 1: ours is faster or smaller);")
        print("each the median over the rounds of that round's ours / other, two runs made next to each other:")
        print_table(header + [f"ours/{e}" for e in others], ratios)
    if rounds > 1 and any(r[2] != "-" for r in per_round):
        print(f"\nours / numpy in each round, sorted, {threads} thread(s):")
        print_table(header + ["ours/numpy"], per_round)
    if any(c != "-" for r in spreads for c in r[2:]):
        print(f"\nspread over the rounds, {threads} thread(s): (max - min) / median of each engine's values:")
        print_table(header + shown, spreads)
    print(f"\nchecks (each engine's first successful round; should agree across engines), {threads} thread(s):")
    print_table(header + shown, checks)


def main() -> None:
    """Parse the options, run every selected case and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to run")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and data, for smoke testing")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="benchmarks (or 'bench:case') to run")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save all results as JSON")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a child is killed")
    parser.add_argument(
        "--rounds", type=int, help="times each engine runs each case, round-robin (default 3; 1 with --quick)"
    )
    args = parser.parse_args()
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    rounds = args.rounds or (1 if args.quick else 3)
    only = set(args.only or [])
    cases = [(b, c) for b, cs in common.CASES.items() for c in cs if not only or {b, f"{b}:{c}"} & only]
    if args.quick:
        cases = [bc for bc in cases if bc not in common.SLOW_CASES]
    if not cases:
        parser.error(f"--only matches nothing in {list(common.CASES)}")

    print(f"python {sys.version.split()[0]} ({sys.executable}), numpy {np.__version__}")
    print(f"BLAS: {common.blas_info(threads=False)}")
    print(f"threads: {' '.join(map(str, args.threads))} (set through {', '.join(THREAD_VARS)} in each child)")
    print(f"rounds: {rounds} (each case runs its engines round-robin, each run a fresh process)")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    print(f"peers: {PEERS_PYTHON if PEERS_PYTHON.exists() else 'no bench/.venv-peers (run bench/peers.sh)'}")
    if args.quick:
        print("quick run: fewer repeats, 1/10 of the images (s/epoch scaled up), no 1e6 chain; smoke test only")

    results: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for threads in args.threads:
        for bench, case in cases:
            runs: dict[str, list[dict[str, Any]]] = {}
            for i in range(1, rounds + 1):
                tag = f"[{threads}t r{i}/{rounds}]"
                for engine in args.engines:
                    if engine in missing:
                        continue
                    result = run_case(engine, bench, case, threads, args.quick, args.timeout) | {"round": i}
                    if result["status"] == "not installed":
                        missing[engine] = result["error"]
                        print(f"{tag} {engine}: not installed ({result['error']})", flush=True)
                        continue
                    runs.setdefault(engine, []).append(result)
                    summary = result.get("error") or ", ".join(
                        f"{k} {fmt(v)}" for k, v in result.get("metrics", {}).items()
                    )
                    print(f"{tag} {bench} {case} | {engine}: {result['status']} {summary}", flush=True)
            results += [merge(r) for r in runs.values()]

    for source in dict.fromkeys(r["data"] for r in results if "data" in r):
        print(f"\ntraining data: {source}")
    for threads in args.threads:
        mine = [r for r in results if r["threads"] == threads]
        blas = "; ".join({r["blas"] for r in mine if r["engine"] == "numpy"}) or "?"
        load = max((r["load"] for r in mine if "load" in r), default=0.0)
        print(f"\n=== {threads} thread(s); BLAS in the numpy floor's children: {blas}")
        print(f"highest 1-min load average at a child's end: {load:.1f} (the benchmark itself adds ~{threads})")
        report(results, args.engines, threads, rounds)
    print("\nengines:")
    for engine in args.engines:
        done = next((r for r in results if r["engine"] == engine and "version" in r), None)
        if engine in missing:
            print(f"  {engine}: not installed ({missing[engine]})")
        elif done:
            print(f"  {engine} {done['version']} (python {done['python']}, numpy {done['numpy']})")
    failed = [(m, r) for m in results for r in m["runs"] if r["status"] not in ("ok", "n/a")]
    if failed:
        print("\nfailed runs:")
    for m, r in failed:
        note = "its other rounds' median is shown" if m["status"] == "ok" else "no round succeeded"
        print(
            f"  {r['engine']} {r['bench']} {r['case']} ({r['threads']}t, round {r['round']}/{rounds}):"
            f" {r['status']}: {r.get('error')} ({note})"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        saved = {"argv": sys.argv[1:], "rounds": rounds, "results": results}
        args.json.write_text(json.dumps(saved, indent=1))
        print(f"\nsaved {args.json}")


if __name__ == "__main__":
    main()
