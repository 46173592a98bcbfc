//! A small HTTP/1.1 proxy in front of moto that counts AWS calls by
//! operation and injects faults per operation: delays, throttling errors,
//! dropped connections. It speaks the real wire protocol to both sides, so
//! the service's real AWS SDK clients meet real failures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

#[derive(Default)]
struct State {
    counts: HashMap<String, usize>,
    faults: HashMap<String, Fault>,
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

    /// Calls seen per operation since the last reset.
    pub fn counts(&self) -> HashMap<String, usize> {
        self.state.lock().unwrap().counts.clone()
    }

    pub fn reset_counts(&self) {
        self.state.lock().unwrap().counts.clear();
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
        let target = request.header("x-amz-target").unwrap_or("").to_string();
        let operation = target.rsplit('.').next().unwrap_or("").to_string();
        let fault = {
            let mut s = state.lock().unwrap();
            *s.counts.entry(operation.clone()).or_default() += 1;
            s.faults.get(&operation).copied()
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
