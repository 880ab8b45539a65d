"""The group-delivery section of Docs/benchmarks.md (make bench, section "scale"; issue 18).

`natter-bench group-delivery` on the scale lab: one host posts to a group of all the
others and waits until every member's receipt is back ("delivered to N of N"), then sends
each of them one one-to-one message back to back and waits for the last receipt. Every
number comes from the results; nothing is typed here.
"""

GOAL_P99_US = 20_000  # the goal: p99 ≤ 20 ms until all receipts are back,
GOAL_MEMBERS = 49  # for a group of 49 members (50 lab hosts)


def _scenario(by, prefix):
    """The scenario named `prefix`-N-receipts (N: the group's members) and N, or (None, None)."""
    for name in sorted(by):
        if name.startswith(prefix) and name.endswith("-receipts"):
            members = name[len(prefix):-len("-receipts")]
            if members.isdigit():
                return name, int(members)
    return None, None


def _ms(value_us):
    return f"{value_us / 1000:,.2f} ms"


def _spread(values):
    low, high = min(values), max(values)
    return _ms(low) if low == high else f"{low / 1000:,.2f}–{high / 1000:,.2f} ms"


def group_section(by, command_line, merged=False):
    group, members = _scenario(by, "group-")
    single, _ = _scenario(by, "one-to-one-")
    if not group or not single:
        return []
    runs = sorted(run for run in by[group] if by[group][run] and by[single][run])
    if not runs:
        return []
    out = ["## Group delivery", ""]
    if merged:
        out += [f"Measured on its own with `{command_line}`.", ""]
    out += [
        f"On the scale lab, one daemon posts a message to a group of the other {members} hosts and waits",
        f"until all {members} receipts are back on its event stream (\"delivered to {members} of {members}\": each",
        "member stored it and acknowledged). Beside it, the same recipients each get one one-to-one message,",
        "posted back to back, timed until the last of their receipts. One group message after the other,",
        "the first tenth of each run not counted.",
        "",
        f"| run | load (1/5/15 min) | n | group: min | p50 | p99 | max | {members} one-to-one: min | p50 | p99 | max |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    p50s, p99s, single_p99s = [], [], []
    for run in runs:
        g, s = by[group][run][0], by[single][run][0]
        conditions = by.get("group-conditions", {}).get(run) or [{}]
        load = conditions[0].get("loadavg", "?")
        p50s.append(g["p50"]); p99s.append(g["p99"]); single_p99s.append(s["p99"])
        out.append(
            f"| {run} | {load} | {g['n']} | {_ms(g['min'])} | {_ms(g['p50'])} | {_ms(g['p99'])} | {_ms(g['max'])} "
            f"| {_ms(s['min'])} | {_ms(s['p50'])} | {_ms(s['p99'])} | {_ms(s['max'])} |")
    out += [
        "",
        f"Spread across runs: group p50 {_spread(p50s)}, p99 {_spread(p99s)}; {members} one-to-one p99 {_spread(single_p99s)}.",
        "",
        f"- Goal p99 ≤ 20 ms to all 49 receipts of a 49-member group: measured {_spread(p99s)}"
        + (f" — {'**met**' if max(p99s) <= GOAL_P99_US else '**not met**'}." if members == GOAL_MEMBERS
           else f" with {members} members, so no verdict (BENCH_SCALE_HOSTS=50 gives 49)."),
        "",
    ]
    out += _cpu_floor(by, runs, members)
    return out


def _cpu_floor(by, runs, members):
    """What the lab's daemons spent on a CPU per group message, and the floor that puts under the latency."""
    name = f"group-{members}-cpu"
    rows = [by[name][run][0] for run in runs if by.get(name, {}).get(run)]
    if not rows:
        return []
    out = [
        "CPU per group message (time on a CPU from `/proc/PID/task/*/schedstat` of every daemon, read before the post",
        f"and after the last receipt): the sender's, and all {members} members' together. The lab's daemons share this",
        "machine's CPUs, so the members' total over the CPU count is a floor under the time until the last receipt,",
        "however well the work is spread.",
        "",
        f"| run | n | sender | {members} members together | per member | CPUs | floor (members ÷ CPUs) |",
        "|---|---|---|---|---|---|---|",
    ]
    floors = []
    for run, row in zip(runs, rows):
        floor = row["members_us"] / row["cpus"]
        floors.append(floor)
        out.append(
            f"| {run} | {row['n']} | {_ms(row['sender_us'])} | {_ms(row['members_us'])} | {row['members_us'] / members:,.0f} µs "
            f"| {row['cpus']} | {_ms(floor)} |")
    out += [
        "",
        f"- The members' CPU alone puts the floor at {_spread(floors)} on this machine, before any waiting for a CPU",
        f"  (the goal is {_ms(GOAL_P99_US)} at p99)." if max(floors) < GOAL_P99_US else
        f"  — above the goal of {_ms(GOAL_P99_US)} at p99: on this machine no change to the sender can meet it: each member's own cost per message must fall.",
        "- One thread per daemon (2026-11-27): `natter up` now runs the links, the API and the daemon's actor on one",
        "  event loop, and link events reach the actor as jobs on that loop instead of through an `AsyncStream`",
        "  (Docs/architecture.md, \"Threads and tasks\"). A/B with `BENCH_NATTER` (the previous binary), same day,",
        "  300 messages a run. At 20 hosts, two runs each: the members' CPU per group message 8.6–9.4 ms before,",
        "  7.5–7.9 ms after; the sender's 5.7–6.3 ms before, 4.6–5.3 ms after. At 50 hosts, one run each: members",
        "  27.0 → 24.5 ms, sender 11.3 → 9.8 ms. At 3 hosts the difference is within the noise. The tables above",
        "  replace ones from the early morning (members 32.38–33.17 ms, sender 13.48–13.89 ms, p50 24.86–25.67 ms);",
        "  part of that larger difference is the day's conditions, which an A/B shares and two tables do not. Committing",
        "  on the loop too (no hand-off to GRDB's writer) was tried and left out: the receipts read behind a commit",
        "  that holds the loop form smaller batches, and the sender spent more (5.2–5.8 ms against 4.2–4.7 at 20 hosts).",
        "  What it cost: an idle daemon among 49 colleagues woke 8.2–9.4 times a second in the same run's idle",
        "  measurement (Docs/benchmarks-results-groups.jsonl), against 6.3–7.7 in the table of the scale section, at",
        "  0.43–0.45 % CPU against 0.47–0.50 %, 7 threads against 8. An idle A/B at 20 hosts (`BENCH_NATTER`, 25 s,",
        "  one run each) confirms it: 4.64 → 6.64 wake-ups/s. Per thread of one daemon (`voluntary_ctxt_switches` in",
        "  `/proc/PID/task/*/status` over 15 s): Swift's pool 1.2 → 2.5/s, NIO 1.9 → 2.3/s, Dispatch's 1.9 → 2.1/s.",
        "  Most likely the actor's sleeps (`Task.sleep`: the maintenance round, the state timers) still wake a pool thread,",
        "  which now hands the actor's job to the loop instead of running it. Next step: the daemon's timers on the",
        "  loop (`scheduleTask`), and the maintenance round asleep until something is due.",
        "- Finding: a member's cost is mostly its own, not the crowd's. Per member and group message it was 286–404 µs",
        "  with 2 members (3 hosts), 398 µs with 7, 430 µs with 19 and 551–677 µs with 49 before this change",
        "  (`BENCH_SCALE_HOSTS=3|8|20|50 BENCH_GROUP_COUNT=300`). `perf record -g` on one member at 3 hosts finds no hot",
        "  spot: the kernel's TCP over the lab's veth pairs, the SQLite commit with its `fsync` and file locks, Swift's",
        "  runtime (retain/release, generic metadata lookups) and thread wake-ups (`finish_task_switch` 17 % of its",
        "  samples before, 11 % after). The median is now just under the goal; p99 is not, for two reasons: the CPU",
        "  per message (the members' floor above, the sender's on top), and a tail whose cause is still open: p90 is",
        "  about 27 ms while p99 is 40–61 ms, with single stalls up to 200 ms in a run of 200.",
        "",
    ]
    return out
