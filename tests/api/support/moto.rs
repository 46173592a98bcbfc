//! One moto server (DynamoDB + KMS) per test binary, on 127.0.0.1.
//!
//! `MOTO_ENDPOINT` points the tests at a server that is already running;
//! otherwise one is started from the project's venv and stops when this
//! process exits (it watches its stdin, which only we hold open).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("MOTO_ENDPOINT") {
            return url;
        }
        let root = env!("CARGO_MANIFEST_DIR");
        let python = format!("{root}/.venv/bin/python");
        if !std::path::Path::new(&python).exists() {
            // One clear line instead of a panic in every test; written to
            // the real stderr, past the test harness's capture.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "integration tests need moto server: run scripts/test.sh (or scripts/venv.sh \
                 first), or point MOTO_ENDPOINT at a running one"
            );
            std::process::exit(2);
        }
        let mut child = Command::new(&python)
            .arg(format!("{root}/scripts/run_moto.py"))
            .arg("--until-stdin-closes")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto with {python} ({e}); run scripts/venv.sh first")
            });
        let mut stdout = BufReader::new(child.stdout.take().expect("moto stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("moto did not start");
        let url = line
            .trim()
            .strip_prefix("MOTO_READY ")
            .unwrap_or_else(|| panic!("unexpected moto output: {line:?}"))
            .to_string();
        // Held open for the life of the process: closing them stops moto.
        std::mem::forget(stdout);
        std::mem::forget(child);
        url
    })
}
