#!/usr/bin/env python3
"""What cluster mode costs a node's redirects (docs/CLUSTER.md).

Each round starts three fresh nats-servers (one JetStream cluster, R3
streams, on this machine like the node), runs `linkly cluster init`, and
then one `linkly-bench compare --rounds 1`: a standalone node (the base)
and a clustered node (this build with --cluster-nats-urls), the same
binary, each preloaded and measured closed loop in its own server pinned to
CPU 0 with the load generator on CPU 1. The nats-servers are not pinned:
what they take of the two cores during the clustered run is in its
`other CPU` column, and their CPU seconds over the round are printed.

The servers are new each round because a clustered node copies every click
of the clicks stream: a second node on the same streams would first copy
the clicks of the one before it.

  bench/cluster_cost.py --rounds 4 --out bench/results/cluster-cost.md
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_chaos import Nats, free_port  # noqa: E402

# Longest wait for `linkly cluster init` to find the new servers (seconds).
INIT_SECONDS = 60


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cluster_init(linkly, urls):
    deadline = time.monotonic() + INIT_SECONDS
    while True:
        init = subprocess.run([linkly, "--cluster-nats-urls", urls, "--cluster-node", "init",
                               "cluster", "init"], capture_output=True, text=True)
        if init.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("cluster init failed: " + init.stderr.strip())
        time.sleep(0.5)


def one_round(args, k, root):
    ports = [{"client": free_port(), "route": free_port()} for _ in range(3)]
    urls = ",".join(f"nats://127.0.0.1:{p['client']}" for p in ports)
    round_dir = os.path.join(root, f"round{k}")
    nats = [Nats(args.nats_server, round_dir, j, ports) for j in range(3)]
    try:
        for n in nats:
            n.start()
        cluster_init(args.linkly, urls)
        before = sum(cpu_seconds(n.proc.pid) for n in nats)
        cmd = [args.bench, "--linkly", args.linkly, "--links", str(args.links),
               "--duration-ms", str(args.duration_ms),
               # The nats-servers' share of the cores is the cost measured,
               # not a disturbance of it.
               "--foreign-cpu-share", "1",
               "--out", round_dir, "--name", "compare",
               "compare", "--base", args.linkly, "--scenario", args.scenario, "--rounds", "1",
               "--least-ratio", str(args.least_ratio),
               f"--this-arg=--cluster-nats-urls={urls}", "--this-arg=--cluster-node=bench"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        nats_cpu = sum(cpu_seconds(n.proc.pid) for n in nats) - before
        if run.returncode != 0:
            raise RuntimeError(f"linkly-bench failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        with open(os.path.join(round_dir, "compare.json")) as f:
            report = json.load(f)
        return report, nats_cpu, run.stdout
    finally:
        for n in nats:
            if n.proc and n.proc.poll() is None:
                n.proc.terminate()
                n.proc.wait(30)


def shares(run):
    window = run["cpu_window_seconds"] or 1
    pct = lambda s: "-" if s is None or s < 0 else f"{100 * s / window:.0f}%"
    return (pct(run["server_cpu_seconds"]), pct(run["bench_cpu_seconds"]),
            pct(run["server_core_foreign_seconds"]), pct(run["bench_core_foreign_seconds"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--linkly", default="build/app/linkly")
    ap.add_argument("--bench", default="build/bench/linkly-bench")
    ap.add_argument("--nats-server", default=shutil.which("nats-server") or "/usr/sbin/nats-server")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--links", type=int, default=10000)
    ap.add_argument("--duration-ms", type=int, default=4000)
    ap.add_argument("--scenario", default="queued", choices=["queued", "off"])
    ap.add_argument("--least-ratio", type=float, default=0.7,
                    help="clustered max / standalone max, at least")
    ap.add_argument("--out", help="write the results as markdown here")
    args = ap.parse_args()
    args.linkly = os.path.abspath(args.linkly)
    args.bench = os.path.abspath(args.bench)

    root = tempfile.mkdtemp(prefix="linkly-cluster-cost-")
    rows = []
    try:
        for k in range(1, args.rounds + 1):
            report, nats_cpu, _ = one_round(args, k, root)
            alone, clustered = (sc["runs"][0] for sc in report["scenarios"])
            rows.append((k, alone, clustered, nats_cpu))
            print(f"round {k}: standalone {alone['achieved_rate']:,.0f} req/s, clustered "
                  f"{clustered['achieved_rate']:,.0f} req/s, nats-servers {nats_cpu:.1f} CPU s",
                  flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    alone_sum = sum(r[1]["achieved_rate"] for r in rows)
    clustered_sum = sum(r[2]["achieved_rate"] for r in rows)
    ratio = clustered_sum / alone_sum if alone_sum else 0
    verdict = "met" if ratio >= args.least_ratio else "missed"
    lines = [
        f"clicks {args.scenario}, {args.links:,} links, {args.rounds} rounds "
        f"(closed loop, {args.duration_ms} ms each; server on CPU 0, generator on CPU 1, "
        "nats-servers unpinned)",
        "",
        "| round | standalone req/s | clustered req/s | ratio | clustered: server / generator CPU "
        "| clustered: other CPU on the server's / generator's core | nats-servers, CPU s over "
        "the round | clicks written / owed (clustered) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k, alone, clustered, nats_cpu in rows:
        server, bench, foreign_server, foreign_bench = shares(clustered)
        clicks = clustered.get("clicks")
        written = f"{clicks['written']:,} / {clicks['owed']:,}" if clicks else "-"
        lines.append(
            f"| {k} | {alone['achieved_rate']:,.0f} | {clustered['achieved_rate']:,.0f} | "
            f"{clustered['achieved_rate'] / alone['achieved_rate']:.2f} | {server} / {bench} | "
            f"{foreign_server} / {foreign_bench} | {nats_cpu:.1f} | {written} |")
    lines += ["", f"clustered / standalone, ratio of the means: **{ratio:.3f}** "
              f"(goal >= {args.least_ratio}): {verdict}"]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
