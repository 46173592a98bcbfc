//! CloudWatch metrics in Embedded Metric Format: one JSON line per request
//! on stdout, which Lambda ships to CloudWatch Logs and CloudWatch turns
//! into metrics without any API call on the request path.

use serde_json::{json, Map, Value};

use crate::service::StageTimings;

/// Namespace of every metric.
pub const NAMESPACE: &str = "DelegatedLogin";

/// One request's figures.
pub struct RequestMetrics<'a> {
    pub route: &'a str,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub latency_ms: f64,
    pub timings: &'a StageTimings,
    pub token_issued: bool,
}

/// The EMF document for one request.
pub fn emf(m: &RequestMetrics<'_>, timestamp_ms: u64) -> Value {
    let mut metrics = vec![
        json!({"Name": "Requests", "Unit": "Count"}),
        json!({"Name": "Latency", "Unit": "Milliseconds"}),
    ];
    let mut values = Map::new();
    values.insert("Requests".into(), json!(1));
    values.insert("Latency".into(), json!(m.latency_ms));
    if m.token_issued {
        metrics.push(json!({"Name": "LoginsIssued", "Unit": "Count"}));
        values.insert("LoginsIssued".into(), json!(1));
    }
    if m.outcome != "ok" {
        metrics.push(json!({"Name": "Rejections", "Unit": "Count"}));
        values.insert("Rejections".into(), json!(1));
    }
    for (name, value) in [
        ("StoreLatency", m.timings.store_ms),
        ("SignLatency", m.timings.sign_ms),
        ("WriteLatency", m.timings.write_ms),
    ] {
        if let Some(v) = value {
            metrics.push(json!({"Name": name, "Unit": "Milliseconds"}));
            values.insert(name.into(), json!(v));
        }
    }
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Route", "Outcome"], ["Reason"]],
                "Metrics": metrics,
            }],
        }),
    );
    doc.insert("Route".into(), json!(m.route));
    doc.insert("Outcome".into(), json!(m.outcome));
    doc.insert("Reason".into(), json!(m.reason));
    doc.extend(values);
    Value::Object(doc)
}

/// Writes the EMF line for one request to stdout.
pub fn emit(m: &RequestMetrics<'_>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    println!("{}", emf(m, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_counts_by_route_outcome_and_reason() {
        let timings = StageTimings {
            store_ms: Some(4.5),
            ..Default::default()
        };
        let doc = emf(
            &RequestMetrics {
                route: "POST /auth/login/delegated",
                outcome: "rejected",
                reason: "user_not_found",
                latency_ms: 6.0,
                timings: &timings,
                token_issued: false,
            },
            1,
        );
        let names: Vec<&str> = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Requests", "Latency", "Rejections", "StoreLatency"]);
        assert_eq!(doc["Reason"], "user_not_found");
        assert_eq!(doc["StoreLatency"], 4.5);
        assert_eq!(doc["Rejections"], 1);
        assert!(doc.get("LoginsIssued").is_none());
    }
}
