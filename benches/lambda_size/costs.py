"""What a million logins cost, from measured billed durations and counted
AWS calls. us-east-1 list prices, pay-as-you-go, free tiers left out (a
service at scale is past them), as published on the pages named below;
`PRICES_AS_OF` is when they were last checked against those pages.
"""
import math

PRICES_AS_OF = "2026-12-02"
PRICES = {
    # https://aws.amazon.com/lambda/pricing/ (x86, first 6 billion GB-s a month)
    "lambda_gb_second": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    # https://aws.amazon.com/api-gateway/pricing/ (HTTP API, first 300 million a month)
    "http_api_request": 1.00 / 1e6,
    # https://aws.amazon.com/dynamodb/pricing/on-demand/ (since the 1 November 2024 reduction)
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    # https://aws.amazon.com/kms/pricing/ ("asymmetric requests except RSA 2048": the ECC_NIST_P256 Sign)
    "kms_asymmetric_request": 0.15 / 10_000,
}
SOURCES = {
    "lambda": "https://aws.amazon.com/lambda/pricing/",
    "http_api": "https://aws.amazon.com/api-gateway/pricing/",
    "dynamodb": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "kms": "https://aws.amazon.com/kms/pricing/",
}
REQUESTS_PER_LOGIN = 3  # init, action, login


def billed_ms(duration_ms):
    """Lambda rounds every invocation up to the next millisecond."""
    return max(1, math.ceil(duration_ms))


def per_million_logins(memory_mb, billed_ms_per_login, calls_per_login):
    """Dollars per million logins, by service. `billed_ms_per_login`: the mean
    billed milliseconds of the three invocations, added up; `calls_per_login`:
    read units, write units and KMS signs a login consumes."""
    gb_seconds = memory_mb / 1024 * billed_ms_per_login / 1000
    cost = {
        "lambda_duration": gb_seconds * PRICES["lambda_gb_second"],
        "lambda_requests": REQUESTS_PER_LOGIN * PRICES["lambda_request"],
        "http_api": REQUESTS_PER_LOGIN * PRICES["http_api_request"],
        "dynamodb": calls_per_login["rru"] * PRICES["dynamodb_read_unit"]
        + calls_per_login["wru"] * PRICES["dynamodb_write_unit"],
        "kms": calls_per_login["signs"] * PRICES["kms_asymmetric_request"],
    }
    out = {k: round(v * 1e6, 4) for k, v in cost.items()}
    out["total"] = round(sum(cost.values()) * 1e6, 4)
    return out


DEFAULT_P99_SLACK = 0.25


def recommend(rows, p99_slack=DEFAULT_P99_SLACK):
    """The cheapest size whose full-flow p99 is within `p99_slack` of the best
    p99 any size reached in the same run. Relative, not in milliseconds: the
    backend's share of the latency (moto here, DynamoDB and KMS when deployed)
    depends on the machine and the network, while what a smaller CPU share
    adds to the tail is what the memory size decides."""
    best_p99 = min(r["latency_ms"]["total"]["p99"] for r in rows)
    budget = best_p99 * (1 + p99_slack)
    within = [r for r in rows if r["latency_ms"]["total"]["p99"] <= budget]
    best = min(within, key=lambda r: (r["cost_per_million_logins"]["total"], r["memory_mb"]))
    fastest = min(rows, key=lambda r: r["latency_ms"]["total"]["p99"])
    reason = (f"cheapest size with full-flow p99 <= {budget:.1f} ms, {p99_slack:.0%} above the best p99 of the run "
              f"({best_p99:.1f} ms at {fastest['memory_mb']} MB)")
    return {"memory_mb": best["memory_mb"], "reason": reason, "p99_budget_ms": round(budget, 1),
            "p99_slack": p99_slack}
