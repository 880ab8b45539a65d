"""The handshake-flood section of Docs/benchmarks.md (make bench, section "handshake").

Every number comes from the results; nothing is typed here.
"""


def _spread(values, fmt="{:,.1f}"):
    values = list(values)
    if not values:
        return "—"
    low, high = min(values), max(values)
    return fmt.format(low) if low == high else f"{fmt.format(low)}–{fmt.format(high)}"


def handshake_section(by, command_line, merged=False):
    links = by.get("handshake-link")
    if not links:
        return []
    floods = by.get("handshake-flood", {})
    runs = sorted(links)
    out = ["## Handshake flood", ""]
    if merged:
        out += [f"Measured on its own with `{command_line}`.", ""]
    out += [
        "One responder (`natter up` on lab host h1, CPU 0, TCP port 7300); a colleague on h2 links to it",
        "twelve times per measurement (`natter-bench handshake-link`: TCP connect, the three handshake",
        "messages with natter's own `SecureSession` and the colleague's real keys, then the responder's",
        "hello frame; one link every 0.7 s). Meanwhile two flooding hosts (h3, h4, 64 source addresses",
        "each, 256 connections in flight each, `natter-bench handshake-flood`) open TCP connections to the",
        "responder as fast as they can: *stranger* sends a message 1 under another team's key, *replay*",
        "sends one captured message 1 bound to the responder again and again, *silent* connects and says",
        "nothing. The colleague and the flooders share CPU 1, so the link times under a flood include",
        "the colleague's own wait for its CPU. Link times in ms; the responder's CPU is its",
        "schedstat time over the colleague's measurement, as a share of one core.",
        "",
        "| run | flood | flood connections/s (h3 + h4) | colleague links | link p50 | link p90 | link max | responder CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    labels = ["quiet", "flood-stranger", "flood-replay", "flood-silent"]
    summary = {label: {"p50": [], "cpu": [], "rate": []} for label in labels}
    for run in runs:
        for row in links[run]:
            label = row["label"]
            kind = label.removeprefix("flood-")
            rate = sum(f["connections_per_second"] for f in floods.get(run, []) if f["kind"] == kind) if label != "quiet" else 0
            ok = row["n"]
            cpu = row["responder_cpu_ns"] / row["wall_ns"] * 100
            summary.setdefault(label, {"p50": [], "cpu": [], "rate": []})
            summary[label]["p50"].append(row["p50"] / 1000)
            summary[label]["cpu"].append(cpu)
            summary[label]["rate"].append(rate)
            out.append(
                f"| {run} | {label} | {rate:,.0f} | {ok} of {ok + row['failed']} | {row['p50'] / 1000:.2f} | "
                f"{row['p90'] / 1000:.2f} | {row['max'] / 1000:.2f} | {cpu:.1f} % |")
    flooded = [row for run in runs for row in links[run] if row["label"] != "quiet"]
    slow = [row for row in flooded if row["max"] >= 1_000_000]
    conditions = [row for rows in by.get("handshake-conditions", {}).values() for row in rows]
    out += [""]
    if conditions:
        out += [f"Load average when the section started: {conditions[0]['loadavg']} (the machine was shared).", ""]
    out += [
        f"- Colleague links during floods: {sum(r['n'] for r in flooded)} made, {sum(r['failed'] for r in flooded)} failed; "
        f"{len(slow)} of {len(flooded)} flood measurements had a link of 1 s or more (a SYN the kernel "
        "dropped and TCP sent again after its 1 s timeout).",
    ]
    out += ["", "Over the runs (spread = lowest–highest):", ""]
    for label in labels:
        s = summary.get(label)
        if not s or not s["p50"]:
            continue
        rate = f", flood {_spread(s['rate'], '{:,.0f}')} connections/s" if label != "quiet" else ""
        out.append(f"- {label}: colleague's link p50 {_spread(s['p50'], '{:.2f}')} ms, responder CPU "
                   f"{_spread(s['cpu'], '{:.1f}')} %{rate}.")
    out.append("")
    return out
