"""From one results JSON (bench.py): the markdown table, the chart, the
recommended MemorySize (computed here from the rows, see costs.recommend);
with --docs DIR, also DIR/lambda-size-LABEL.json and .png and the table
inside docs/performance.md between its markers for that label, so that the
docs, the chart and the check read the same run.

    python report.py results.json --chart out.png [--docs docs]
"""
import argparse
import json
import os
import re
import shutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import costs  # noqa: E402  (beside this file)

NAMES = {"rust": "Rust function", "reference": "Python reference"}


def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def table(results):
    lines = ["| implementation | memory | full flow p50 / p99 | billed ms init / action / login | cold start to ready |"
             " first request (billed) | CPU per login | peak RSS | $ per million logins (Lambda) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for impl, data in results["implementations"].items():
        for row in data["sizes"]:
            lat, b, cold, cost = row["latency_ms"]["total"], row["billed_ms"], row["cold_start"], \
                row["cost_per_million_logins"]
            lambda_cost = cost["lambda_duration"] + cost["lambda_requests"]
            lines.append(
                f"| {NAMES.get(impl, impl)} | {row['memory_mb']} MB | {fmt(lat['p50'])} / {fmt(lat['p99'])} ms"
                f" | {fmt(b['init']['mean'])} / {fmt(b['action']['mean'])} / {fmt(b['login']['mean'])}"
                f" | {fmt(cold['ready_ms_median'], 0)} ms | {fmt(cold['first_request_ms_median'])} ms"
                f" ({cold['first_request_billed_ms_median']} ms) | {fmt(row['cpu_ms_per_login'], 2)} ms"
                f" | {fmt(row['peak_rss_mib'])} MiB | **{fmt(cost['total'], 2)}** ({fmt(lambda_cost, 2)}) |")
    return "\n".join(lines)


def calls_table(results):
    lines = ["| implementation | request | AWS calls | sequential stages | read / write units |", "|---|---|---|---|---|"]
    for impl, data in results["implementations"].items():
        for step, c in data["calls"]["per_request"].items():
            calls = ", ".join(f"{k.split('.', 1)[1]} {v:g}" for k, v in c["calls"].items())
            lines.append(f"| {NAMES.get(impl, impl)} | {step} | {calls} | {c['stages']} | {c['rru']:g} / {c['wru']:g} |")
    return "\n".join(lines)


def fixed_costs(results):
    parts = []
    for impl, data in results["implementations"].items():
        cost = data["sizes"][0]["cost_per_million_logins"]
        per = data["calls"]["per_login"]
        parts.append(f"{NAMES.get(impl, impl)}: API Gateway HTTP API ${cost['http_api']:.2f}, DynamoDB on-demand "
                     f"${cost['dynamodb']:.2f} ({per['rru']:g} read and {per['wru']:g} write units), KMS `Sign` "
                     f"${cost['kms']:.2f}, Lambda requests ${cost['lambda_requests']:.2f}")
    sources = ", ".join(f"[{k}]({v})" for k, v in results["price_sources"].items())
    return (f"Per million logins, the same at every size: {'; '.join(parts)}. List prices as of "
            f"{results['prices_as_of']} ({sources}).")


def recommendation_line(results):
    rec = results.get("recommendation")
    if not rec:
        return "No recommendation: the Rust function was not measured."
    return f"Recommended MemorySize: **{rec['memory_mb']}** ({rec['reason']})."


def section(results, png_name):
    load = ", ".join(f"{x:.2f}" for x in results["load_before"])
    return "\n".join([
        f"Run of {results['started']} ({results['label']}, function built from "
        f"{results.get('commit') or 'a commit not recorded'}): {results['logins_per_size']} measured logins per "
        f"implementation and size over {results['rounds']} rounds, each on a fresh instance (so {results['rounds']} "
        f"cold starts) after {results['warmup']} logins of warm-up; cgroup v{results['cgroup_version']} CPU quota "
        f"over a {results['cpu_period_us'] // 1000} ms period; {results['cpus']} cores, load average {load} at the "
        f"start and {', '.join(f'{x:.2f}' for x in results['load_after'])} at the end.",
        "",
        table(results),
        "",
        calls_table(results),
        "",
        fixed_costs(results),
        "",
        recommendation_line(results),
        "",
        f"![Latency and cost per memory size]({png_name})",
    ])


def chart(results, path):
    fig, (lat_ax, lambda_ax, cost_ax) = plt.subplots(1, 3, figsize=(15, 4.4))
    colors = {"rust": "tab:orange", "reference": "tab:blue"}
    for impl, data in results["implementations"].items():
        sizes = [r["memory_mb"] for r in data["sizes"]]
        name, color = NAMES.get(impl, impl), colors.get(impl)
        lat_ax.plot(sizes, [r["latency_ms"]["total"]["p50"] for r in data["sizes"]], "o-", color=color,
                    label=f"{name} p50")
        lat_ax.plot(sizes, [r["latency_ms"]["total"]["p99"] for r in data["sizes"]], "s--", color=color,
                    label=f"{name} p99")
        lambda_ax.plot(sizes, [r["cost_per_million_logins"]["lambda_duration"]
                               + r["cost_per_million_logins"]["lambda_requests"] for r in data["sizes"]],
                       "o-", color=color, label=name)
        cost_ax.plot(sizes, [r["cost_per_million_logins"]["total"] for r in data["sizes"]], "o-", color=color,
                     label=name)
    rec = results.get("recommendation")
    if rec:
        lat_ax.axhline(rec["p99_budget_ms"], color="grey", linewidth=0.8, linestyle=":", label="p99 accepted")
        for ax in (lat_ax, lambda_ax, cost_ax):
            ax.axvline(rec["memory_mb"], color="green", linewidth=0.8, linestyle=":")
    for ax, title, unit in ((lat_ax, "Full login (3 requests)", "ms"),
                            (lambda_ax, "Lambda (duration + requests) per million logins", "USD"),
                            (cost_ax, "All services per million logins", "USD")):
        ax.set_xscale("log", base=2)
        sizes = sorted({r["memory_mb"] for d in results["implementations"].values() for r in d["sizes"]})
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(s) for s in sizes])
        ax.set_xlabel("Lambda memory (MB); CPU share = MB / 1769")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    lat_ax.set_yscale("log")
    for ax in (lambda_ax, cost_ax):
        ax.set_ylim(bottom=0)
    fig.suptitle(f"Lambda memory size, {results['label']} ({results['started']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_docs(results, docs, png):
    label = results["label"]
    json_path = os.path.join(docs, f"lambda-size-{label}.json")
    png_name = f"lambda-size-{label}.png"
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    shutil.copyfile(png, os.path.join(docs, png_name))
    perf = os.path.join(docs, "performance.md")
    with open(perf) as f:
        text = f.read()
    begin, end = f"<!-- lambda-size:{label}:begin -->", f"<!-- lambda-size:{label}:end -->"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{perf} has no {begin} ... {end} markers")
    text = pattern.sub(lambda _: f"{begin}\n{section(results, png_name)}\n{end}", text)
    with open(perf, "w") as f:
        f.write(text)
    print(f"wrote {json_path}, {os.path.join(docs, png_name)} and the {label} section of {perf}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--chart", required=True)
    parser.add_argument("--docs", help="the docs directory to update")
    args = parser.parse_args()
    with open(args.results) as f:
        results = json.load(f)
    if "rust" in results["implementations"]:
        results["recommendation"] = costs.recommend(results["implementations"]["rust"]["sizes"],
                                                    results.get("p99_slack", costs.DEFAULT_P99_SLACK))
    chart(results, args.chart)
    print(table(results))
    print()
    print(calls_table(results))
    print()
    print(fixed_costs(results))
    if args.docs:
        update_docs(results, args.docs, args.chart)
    print(recommendation_line(results))


if __name__ == "__main__":
    main()
