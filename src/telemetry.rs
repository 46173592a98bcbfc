//! JSON logs, one line per decision. Never log a token, key, nonce or
//! user action value: only ids, routes, outcomes and reasons.

use tracing_subscriber::fmt::MakeWriter;

/// Installs the JSON subscriber on stdout; `RUST_LOG` filters (default `info`).
pub fn init() {
    install(std::io::stdout);
}

/// Installs the same subscriber on any writer (tests capture the lines).
/// A second call is ignored.
pub fn install<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(writer)
        .try_init();
}
