"""Profile one contender on one workload: same broker, input and measurement as
``benchmarks.run``, with the contender's process started under pyinstrument (or py-spy).

    python -m benchmarks.profile [--workload stateless] [--contender streamflow] \
        [--events 1000000] [--tool pyinstrument|py-spy]

Writes ``benchmarks/results/logs/profile-<workload>-<contender>.txt`` (pyinstrument's text
report, or py-spy's collapsed stacks plus a self-time summary). Needs ``pip install pyinstrument``
or ``pip install py-spy`` in the contender's environment.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

from streamflow.testing.kafka_broker import KafkaBroker

from . import harness as h
from .run import Bench, parse_args


async def profile(ns: argparse.Namespace) -> None:
    args = parse_args(["--events", str(ns.events), "--rounds", "1", "--contenders", ns.contender,
                       "--workloads", ns.workload])
    bench = Bench(args)
    bench.broker = KafkaBroker(workdir=bench.work / "broker", heap="1g").start()
    out_file = h.BENCH / "results" / "logs" / f"profile-{ns.workload}-{ns.contender}.txt"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        from .run import ensure_venv, PEERS
        if ns.contender in PEERS:
            bench.pythons[ns.contender] = ensure_venv(ns.contender)[0]
        inp = await bench.load_input(ns.workload)
        argv = bench.command(ns.contender, ns.workload)
        raw = Path(tempfile.mkdtemp()) / "stacks.txt"
        if ns.tool == "py-spy":
            argv = [shutil.which("py-spy") or "py-spy", "record", "-r", "200", "-f", "raw", "-o", str(raw), "--", *argv]
        else:
            argv = [argv[0], "-m", "pyinstrument", "-r", "text", "--show-all", "-o", str(out_file), *argv[1:]]
        group = f"profile-{ns.contender}-{bench.runid}"
        out = bench.out_topic_for(ns.contender, ns.workload, group)
        await h.create_topics(bench.bootstrap, [out], config=h.LOG_APPEND)
        proc = h.Proc(argv, bench.env(ns.workload, group, inp.topic, out, bench.work / group),
                      h.BENCH / "results" / "logs" / f"profile-{ns.workload}-{ns.contender}.log")
        run = await h.measure(proc, bootstrap=bench.bootstrap, run=h.Run(ns.workload, ns.contender, 0),
                              events=inp.events, in_topic=inp.topic, out_topic=out,
                              expected_out=inp.passing if ns.workload == "stateless" else inp.events,
                              group=group, eos=ns.workload == "eos", timeout=600)
        if ns.tool == "py-spy":  # stop the profiled child only, so py-spy writes its output
            import os
            import signal
            for pid in h._tree(proc.popen.pid)[1:]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(Exception):
                proc.popen.wait(60)
        proc.stop(grace=60)
        print(f"{run.status}: {run.events_per_s or 0:,.0f} events/s under the profiler {run.reason}")
        if ns.tool == "py-spy" and raw.exists():
            out_file.write_text(summarize_stacks(raw.read_text()) + "\n\n" + raw.read_text())
        print(f"profile: {out_file}")
    finally:
        bench.broker.stop()
        shutil.rmtree(bench.work, ignore_errors=True)


def summarize_stacks(collapsed: str, top: int = 40) -> str:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks."""
    self_n: collections.Counter = collections.Counter()
    incl: collections.Counter = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = stack.split(";")
        total += int(n)
        self_n[frames[-1]] += int(n)
        for f in set(frames):
            incl[f] += int(n)
    lines = [f"{total} samples", "", "self %  function"]
    lines += [f"{100 * c / total:5.1f}  {f}" for f, c in self_n.most_common(top)]
    lines += ["", "inclusive %  function"]
    lines += [f"{100 * c / total:5.1f}  {f}" for f, c in incl.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    p.add_argument("--workload", default="stateless")
    p.add_argument("--contender", default="streamflow")
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--tool", choices=["pyinstrument", "py-spy"], default="pyinstrument")
    asyncio.run(profile(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
