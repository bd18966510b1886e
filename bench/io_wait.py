#!/usr/bin/env python3
"""Who delays linkly's io thread, from a `perf sched record -a` (bench/io_wait.sh).

Each time the io thread (linkly-io) becomes runnable (woken, or preempted
while running) until it is back on its CPU is one wait; the time every other
thread ran on that CPU meanwhile is charged to that thread (the server's own
threads by name, any other process as other:NAME).

usage: io_wait.py PERF_DATA THREADS_FILE [IO_THREAD_NAME]
THREADS_FILE: "tid name" per line, the server's threads during the record.
"""
import collections
import re
import subprocess
import sys

data, threads_file = sys.argv[1], sys.argv[2]
io_name = sys.argv[3] if len(sys.argv) > 3 else 'linkly-io'
mine = dict(line.split(None, 1) for line in open(threads_file))
mine = {tid: name.strip() for tid, name in mine.items()}
io_tids = {tid for tid, name in mine.items() if name == io_name}
if not io_tids:
    sys.exit(f'no thread named {io_name} in {threads_file}')

script = subprocess.run(['perf', 'script', '-i', data, '-F', 'cpu,time,event,trace'],
                        capture_output=True, text=True, check=True).stdout
event_re = re.compile(r'^\s*\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)$')
switch_re = re.compile(r'prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) '
                       r'==> next_comm=(.*?) next_pid=(\d+)')
waking_re = re.compile(r'comm=(.*?) pid=(\d+) prio=\d+ target_cpu=(\d+)')


def label(comm, tid):
    return mine.get(tid, 'other:' + re.sub(r'[/:]\d+.*$', '', comm))


running = {}        # cpu -> (label, since)
io_cpu = None
wait_start = None   # when the io thread became runnable
wait_kind = None
shares = collections.Counter()
waits = []          # (seconds, kind, {label: seconds})
preempted_by = collections.Counter()
first = last = None
for line in script.splitlines():
    m = event_re.match(line)
    if not m:
        continue
    cpu, t, event, rest = int(m.group(1)), float(m.group(2)), m.group(3), m.group(4)
    first = t if first is None else first
    last = t
    if event == 'sched:sched_waking':
        w = waking_re.search(rest)
        if w and w.group(2) in io_tids and wait_start is None:
            wait_start, wait_kind = t, 'woken'
            io_cpu = int(w.group(3))
            shares = collections.Counter()
        continue
    if event != 'sched:sched_switch':
        continue
    s = switch_re.search(rest)
    if not s:
        continue
    prev_comm, prev_tid, prev_state, next_comm, next_tid = s.groups()
    if wait_start is not None and cpu == io_cpu and cpu in running:
        who, since = running[cpu]
        shares[who] += t - max(since, wait_start)
    if prev_tid in io_tids and prev_state.startswith('R'):
        wait_start, wait_kind, io_cpu = t, 'preempted', cpu
        shares = collections.Counter()
        preempted_by[label(next_comm, next_tid)] += 1
    if next_tid in io_tids and wait_start is not None:
        waits.append((t - wait_start, wait_kind, dict(shares)))
        wait_start = None
    running[cpu] = (label(next_comm, next_tid), t)


def pct(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1e6


total = sorted(w[0] for w in waits)
own = sorted(sum(v for k, v in w[2].items() if not k.startswith('other:')) for w in waits)
kinds = collections.Counter(w[1] for w in waits)
print(f'{len(waits)} io-thread waits in {last - first:.2f} s ({dict(kinds)})')
print(f'  runnable -> on CPU:          p50 {pct(total, .5):6.0f} us  p99 {pct(total, .99):6.0f} us'
      f'  p99.9 {pct(total, .999):6.0f} us  max {total[-1] * 1e6:6.0f} us')
print(f"  of which linkly's threads:  p50 {pct(own, .5):6.0f} us  p99 {pct(own, .99):6.0f} us"
      f'  p99.9 {pct(own, .999):6.0f} us  max {own[-1] * 1e6:6.0f} us')
by = collections.Counter()
worst = collections.Counter()
over = collections.Counter()
for _, _, share in waits:
    for k, v in share.items():
        by[k] += v
        worst[k] = max(worst[k], v)
        over[k] += v > 100e-6
print('  charged to            total ms  worst us  waits>100us')
for k, v in by.most_common(12):
    print(f'    {k:20s} {v * 1e3:8.2f} {worst[k] * 1e6:9.0f} {over[k]:8d}')
long_waits = [w for w in waits if w[0] > 500e-6]
blame = collections.Counter(max(w[2], key=w[2].get) for w in long_waits if w[2])
print(f'  waits > 0.5 ms: {len(long_waits)}, by who ran most of each: {dict(blame.most_common(6))}')
print(f'  preempted while running, by: {dict(preempted_by.most_common(6))}')
