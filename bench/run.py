"""Run each benchmark case for each engine in its own fresh process and print medians and ratios.

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
            proc = subprocess.run(
                cmd, env=env, cwd=common.ROOT, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return result | {"status": "timeout", "error": f"killed after {timeout:.0f} s"}
        if out.exists():
            return json.loads(out.read_text())
    tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
    return result | {"status": "crashed", "error": f"exit code {proc.returncode}: {tail}"}


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


def ratio(ours: Any, other: Any) -> str:
    """ours / other to 2 decimals when both are non-zero numbers, else '-'."""
    return f"{ours / other:.2f}" if isinstance(ours, float) and isinstance(other, float) and other else "-"


def report(results: list[dict[str, Any]], engines: list[str], threads: int) -> None:
    """Print the medians, ours/other ratios and cross-engine checks of one thread count."""
    mine = [r for r in results if r["threads"] == threads]
    by_key = {(r["bench"], r["case"], r["engine"]): r for r in mine}
    shown = [e for e in engines if any(r["engine"] == e for r in mine)]
    others = [e for e in shown if e != "ours"]
    for key, title in (("metrics", "medians"), ("checks", "checks (should agree across engines)")):
        rows, ratios = [], []
        for bench, case in dict.fromkeys((r["bench"], r["case"]) for r in mine):
            names = dict.fromkeys(n for e in shown for n in by_key.get((bench, case, e), {}).get(key, {}))
            for name in names:
                values = {e: cell(by_key.get((bench, case, e)), key, name) for e in shown}
                rows.append([f"{bench} {case}", name] + [fmt(values[e]) for e in shown])
                ratios.append(
                    [f"{bench} {case}", name] + [ratio(values.get("ours"), values[e]) for e in others]
                )
        print(f"\n{title}, {threads} thread(s):")
        print_table(["benchmark", "metric", *shown], rows)
        if key == "metrics" and any(c != "-" for r in ratios for c in r[2:]):
            print(f"\nratios ours / other, {threads} thread(s) (below 1: ours is faster or smaller):")
            print_table(["benchmark", "metric", *(f"ours/{e}" for e in others)], ratios)


def main() -> None:
    """Parse the options, run every selected case and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to run")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and data, for smoke testing")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="benchmarks (or 'bench:case') to run")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save all results as JSON")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a child is killed")
    args = parser.parse_args()
    only = set(args.only or [])
    cases = [(b, c) for b, cs in common.CASES.items() for c in cs if not only or {b, f"{b}:{c}"} & only]
    if args.quick:
        cases = [bc for bc in cases if bc not in common.SLOW_CASES]
    if not cases:
        parser.error(f"--only matches nothing in {list(common.CASES)}")

    print(f"python {sys.version.split()[0]} ({sys.executable}), numpy {np.__version__}")
    print(f"BLAS: {common.blas_info(threads=False)}")
    print(f"threads: {' '.join(map(str, args.threads))} (set through {', '.join(THREAD_VARS)} in each child)")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    print(f"peers: {PEERS_PYTHON if PEERS_PYTHON.exists() else 'no bench/.venv-peers (run bench/peers.sh)'}")
    if args.quick:
        print(
            "quick run: fewer repeats, 1/10 of the images (s/epoch scaled up), no 1e6 chain; smoke test only"
        )

    results: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for threads in args.threads:
        for bench, case in cases:
            for engine in args.engines:
                if engine in missing:
                    continue
                result = run_case(engine, bench, case, threads, args.quick, args.timeout)
                if result["status"] == "not installed":
                    missing[engine] = result["error"]
                    print(f"[{threads}t] {engine}: not installed ({result['error']})", flush=True)
                    continue
                results.append(result)
                summary = result.get("error") or ", ".join(
                    f"{k} {fmt(v)}" for k, v in result.get("metrics", {}).items()
                )
                print(f"[{threads}t] {bench} {case} | {engine}: {result['status']} {summary}", flush=True)

    for source in dict.fromkeys(r["data"] for r in results if "data" in r):
        print(f"\nmlp_epoch data: {source}")
    for threads in args.threads:
        mine = [r for r in results if r["threads"] == threads]
        blas = "; ".join({r["blas"] for r in mine if r["engine"] == "numpy"}) or "?"
        load = max((r["load"] for r in mine if "load" in r), default=0.0)
        print(f"\n=== {threads} thread(s); BLAS in the numpy floor's children: {blas}")
        print(
            f"highest 1-min load average at a child's end: {load:.1f} (the benchmark itself adds ~{threads})"
        )
        report(results, args.engines, threads)
    print("\nengines:")
    for engine in args.engines:
        done = next((r for r in results if r["engine"] == engine and "version" in r), None)
        if engine in missing:
            print(f"  {engine}: not installed ({missing[engine]})")
        elif done:
            print(f"  {engine} {done['version']} (python {done['python']}, numpy {done['numpy']})")
    errors = [r for r in results if r["status"] not in ("ok", "n/a")]
    for r in errors:
        print(f"  {r['engine']} {r['bench']} {r['case']} ({r['threads']}t): {r['status']}: {r.get('error')}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"argv": sys.argv[1:], "results": results}, indent=1))
        print(f"\nsaved {args.json}")


if __name__ == "__main__":
    main()
