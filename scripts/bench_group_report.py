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
    return out
