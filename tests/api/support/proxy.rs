//! A small HTTP/1.1 proxy in front of moto that records AWS calls by
//! operation and injects faults per operation: delays, throttling errors,
//! dropped connections. It speaks the real wire protocol to both sides, so
//! the service's real AWS SDK clients meet real failures. It also records
//! when each call arrived and was answered, so that a test can count a
//! request's sequential stages: calls whose times overlap form one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with calls of one operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Forward after a delay.
    Delay(Duration),
    /// Answer with the service's throttling error (HTTP 400).
    Throttle,
    /// Close the connection without answering.
    Drop,
}

/// One AWS call as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    /// The DynamoDB table it names, if it names one.
    pub table: Option<String>,
    pub arrived: Instant,
    pub answered: Instant,
}

/// The calls grouped into sequential stages, in order: a call that
/// arrives before every call of the current stage has been answered
/// overlaps it and joins it; one that arrives later starts the next stage.
/// Each stage lists its operations, sorted.
pub fn stages(calls: &[Call]) -> Vec<Vec<String>> {
    let mut calls = calls.to_vec();
    calls.sort_by_key(|c| c.arrived);
    let mut stages: Vec<(Instant, Vec<String>)> = Vec::new();
    for call in calls {
        match stages.last_mut() {
            Some((end, ops)) if call.arrived < *end => {
                *end = (*end).max(call.answered);
                ops.push(call.operation);
            }
            _ => stages.push((call.answered, vec![call.operation])),
        }
    }
    stages
        .into_iter()
        .map(|(_, mut ops)| {
            ops.sort();
            ops
        })
        .collect()
}

#[derive(Default)]
struct State {
    faults: HashMap<String, Fault>,
    calls: Vec<Call>,
    /// Every answer is held until at least this long after its call
    /// arrived, so that calls made together visibly overlap however fast
    /// the backend answers, and a call made after an answer cannot.
    pace: Option<Duration>,
}

/// A running proxy; it lives as long as the test's runtime.
#[derive(Clone)]
pub struct Proxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, upstream.clone(), Arc::clone(&shared)));
            }
        });
        Proxy { endpoint, state }
    }

    /// Sets (or with `None`, clears) the fault for an operation, named as
    /// in `X-Amz-Target` without the service prefix: `Sign`, `PutItem`, ...
    pub fn set_fault(&self, operation: &str, fault: Option<Fault>) {
        let mut state = self.state.lock().unwrap();
        match fault {
            Some(f) => state.faults.insert(operation.to_string(), f),
            None => state.faults.remove(operation),
        };
    }

    /// The calls answered since the last reset, with their times.
    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn reset_calls(&self) {
        let mut state = self.state.lock().unwrap();
        state.calls.clear();
    }

    /// Holds every answer until `pace` after its call arrived (`None`: off).
    pub fn set_pace(&self, pace: Option<Duration>) {
        self.state.lock().unwrap().pace = pace;
    }
}

/// One HTTP request or response: head and body.
struct Message {
    head: String,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

async fn read_message<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> Option<Message> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut message = Message {
        head,
        body: Vec::new(),
    };
    let length: usize = message
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    message.body = vec![0; length];
    reader.read_exact(&mut message.body).await.ok()?;
    Some(message)
}

fn throttle_response(target: &str) -> Vec<u8> {
    let kind = if target.starts_with("DynamoDB") {
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    } else {
        "ThrottlingException"
    };
    let body = format!(r#"{{"__type":"{kind}","message":"Rate exceeded"}}"#);
    format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn serve(client: TcpStream, upstream: String, state: Arc<Mutex<State>>) {
    let (read, mut write) = client.into_split();
    let mut reader = BufReader::new(read);
    while let Some(request) = read_message(&mut reader).await {
        let arrived = Instant::now();
        let target = request.header("x-amz-target").unwrap_or("").to_string();
        let operation = target.rsplit('.').next().unwrap_or("").to_string();
        let (fault, pace) = {
            let s = state.lock().unwrap();
            (s.faults.get(&operation).copied(), s.pace)
        };
        let response = match fault {
            Some(Fault::Drop) => return,
            Some(Fault::Throttle) => throttle_response(&target),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                match forward(&upstream, &request).await {
                    Some(r) => r,
                    None => return,
                }
            }
            None => match forward(&upstream, &request).await {
                Some(r) => r,
                None => return,
            },
        };
        if let Some(pace) = pace {
            tokio::time::sleep_until((arrived + pace).into()).await;
        }
        let answered = Instant::now();
        let table = serde_json::from_slice::<serde_json::Value>(&request.body)
            .ok()
            .and_then(|b| b["TableName"].as_str().map(str::to_string));
        state.lock().unwrap().calls.push(Call {
            operation: operation.clone(),
            table,
            arrived,
            answered,
        });
        if write.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Sends one request upstream on its own connection and reads the answer.
async fn forward(upstream: &str, request: &Message) -> Option<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await.ok()?;
    conn.write_all(request.head.as_bytes()).await.ok()?;
    conn.write_all(&request.body).await.ok()?;
    let mut reader = BufReader::new(conn);
    let response = read_message(&mut reader).await?;
    let mut bytes = response.head.into_bytes();
    bytes.extend(response.body);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_calls_are_one_stage_and_a_later_one_another() {
        let t0 = Instant::now();
        let at = |op: &str, a: u64, b: u64| Call {
            operation: op.into(),
            table: None,
            arrived: t0 + Duration::from_millis(a),
            answered: t0 + Duration::from_millis(b),
        };
        let calls = [
            at("Query", 0, 100),
            at("GetItem", 5, 120),
            at("PutItem", 110, 200), // overlaps GetItem, so still stage 1
            at("Sign", 250, 300),
            at("PutItem", 260, 310),
        ];
        assert_eq!(
            stages(&calls),
            vec![
                vec!["GetItem".to_string(), "PutItem".into(), "Query".into()],
                vec!["PutItem".into(), "Sign".into()],
            ]
        );
        assert_eq!(stages(&[]), Vec::<Vec<String>>::new());
    }
}
