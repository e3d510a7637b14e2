#!/usr/bin/env python3
"""Turn the JSON written by bench/measure.py into the Markdown of bench/results.md.

    bench/report.py --main main.json [--extra extra.json] --files N --lines N \
        --meta 'Machine=...' --meta 'Date=...' ... > bench/results.md

Names that report.py knows: `aioguard`, `ruff`, `floor` (aioguard --parse-only),
`aioguard-warm`, `ruff-warm` (a warm cache, nothing changed) in --main; `fix` in
--extra; `TOOL MODE FILE` in --one (one file checked from the root of its tree, TOOL
`aioguard` or `ruff`, MODE `cold` or `warm`).  The ratios are median wall times.
"""

import argparse
import json

LABELS = {
    "aioguard": "aioguard check",
    "ruff": "ruff check (ASYNC, RUF006)",
    "floor": "aioguard parse-only (floor)",
    "aioguard-warm": "aioguard check, warm cache, nothing changed",
    "ruff-warm": "ruff check (ASYNC, RUF006), warm cache",
    "fix": "aioguard check --fix (copy of corpus)",
}


def load(path):
    if not path:
        return {}
    with open(path) as f:
        return json.load(f)["results"]


def median(res):
    return res.get("median_wall") if res and res["ok"] else None


def summary(error):
    """One line out of a failed command's stderr: the panic or error line."""
    status, _, text = error.partition(": ")
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    pick = lines[0] if lines else ""
    for i, line in enumerate(lines):
        if "panicked at" in line:  # the message is on the next line
            pick = " ".join(lines[i:i + 2])
            break
        if "error" in line.lower():
            pick = line
            break
    pick = pick if len(pick) <= 160 else pick[:157] + "..."
    return f"{status}: {pick}".replace("|", "\\|")


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--main", required=True)
    ap.add_argument("--extra")
    ap.add_argument("--one")
    ap.add_argument("--files", type=int, required=True)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE lines")
    args = ap.parse_args()

    main_res = load(args.main)
    extra_res = load(args.extra)
    one_res = load(args.one)

    out = ["# aioguard benchmark", ""]
    for kv in args.meta:
        key, _, value = kv.partition("=")
        out.append(f"- {key}: {value}")
    out.append(f"- Corpus: {args.files:,} .py files, {args.lines:,} lines")
    out.append(f"- Median of {args.runs} runs after one warm-up, commands alternated; "
               "peak RSS is the largest of the runs")
    out.append("")
    out.append("| command | median wall (s) | min–max (s) | peak RSS (MiB) "
               "| files/s | lines/s |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |")

    def row(name, res, per_second=True):
        label = LABELS.get(name, name)
        if not res or not res["ok"]:
            err = summary((res or {}).get("error") or "not run")
            out.append(f"| {label} | failed: {err} | | | | |")
            return
        m = res["median_wall"]
        rss = res["max_rss_kib"] / 1024
        fps = f"{args.files / m:,.0f}" if per_second else ""
        lps = f"{args.lines / m:,.0f}" if per_second else ""
        out.append(f"| {label} | {m:.3f} | {min(res['wall']):.3f}–{max(res['wall']):.3f} "
                   f"| {rss:.1f} | {fps} | {lps} |")

    for name in ("aioguard", "ruff", "floor", "aioguard-warm", "ruff-warm"):
        if name in main_res:
            row(name, main_res[name])
    for name, res in extra_res.items():
        row(name, res, per_second=(name == "fix"))

    ag, rf, fl = (median(main_res.get(n)) for n in ("aioguard", "ruff", "floor"))
    out.append("")
    out.append(f"- aioguard / ruff (wall): {ratio(ag, rf)}")
    out.append(f"- aioguard / parse-only floor (wall): {ratio(ag, fl)}")
    if main_res.get("aioguard", {}).get("ok") and main_res.get("ruff", {}).get("ok"):
        out.append("- aioguard / ruff (peak RSS): "
                   + ratio(main_res["aioguard"]["max_rss_kib"], main_res["ruff"]["max_rss_kib"]))
    warm = (median(main_res.get(n)) for n in ("aioguard-warm", "ruff-warm"))
    out.append(f"- aioguard / ruff, both with a warm cache (wall): {ratio(*warm)}")
    files = list(dict.fromkeys(name.split(" ", 2)[2] for name in one_res if name.startswith("aioguard ")))
    if files:
        out += ["", "One changed file, as pre-commit checks it: cold (no cache), and warm (the tree",
                "cached, the file changed since):", ""]
        out.append("| file | aioguard cold (s) | ruff cold (s) | cold ratio "
                   "| aioguard warm (s) | ruff warm (s) | warm ratio | aioguard peak RSS (MiB) |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        fmt = lambda x: f"{x:.3f}" if x else "failed"
        for file in files:
            a, r, aw, rw = (median(one_res.get(f"{tool} {mode} {file}"))
                            for mode in ("cold", "warm") for tool in ("aioguard", "ruff"))
            ours = one_res.get(f"aioguard cold {file}")
            rss = f"{ours['max_rss_kib'] / 1024:.1f}" if a else "n/a"
            label = file if file.startswith("--") else f"`{file}`"
            out.append(f"| {label} | {fmt(a)} | {fmt(r)} | {ratio(a, r)} "
                       f"| {fmt(aw)} | {fmt(rw)} | {ratio(aw, rw)} | {rss} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
