//! CPU per AWS SDK call, outside the function: sequential DynamoDB
//! `GetItem`s against whatever `AWS_ENDPOINT_URL` names, with this
//! process's CPU time (user + system, from /proc) divided by the calls.
//! `benches/load/sdk_call_cost.sh` runs it beside the same loop in boto3.
//!
//!   sdk_call_cost TABLE KEY CALLS

use aws_sdk_dynamodb::types::AttributeValue;

fn cpu_seconds() -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat").map_err(|e| e.to_string())?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("malformed /proc/self/stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    let (user, system) = (ticks(11), ticks(12));
    // The kernel reports both in USER_HZ, 100 per second on Linux.
    Ok((user.ok_or("no utime")? + system.ok_or("no stime")?) / 100.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table, key, calls] = args.as_slice() else {
        return Err("usage: sdk_call_cost TABLE KEY CALLS".into());
    };
    let calls: u32 = calls.parse().map_err(|_| "CALLS must be a number")?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let get = || {
        client
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S(key.clone()))
            .key("sk", AttributeValue::S(key.clone()))
            .send()
    };
    // One warm-up call opens the connection and fills the credential cache.
    get().await.map_err(|e| e.to_string())?;
    let before = cpu_seconds()?;
    for _ in 0..calls {
        get().await.map_err(|e| e.to_string())?;
    }
    let per_call_us = (cpu_seconds()? - before) * 1e6 / f64::from(calls);
    println!("{per_call_us:.0}");
    Ok(())
}
