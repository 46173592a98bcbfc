//! Lambda entry point: init once, then serve events.

use std::sync::Arc;

use delegated_login::service::elapsed_ms;
use delegated_login::{bootstrap, config::Config, http, telemetry};
use lambda_http::{service_fn, Request};

// glibc's malloc spent about a sixth of the function's CPU under load
// (fastbin consolidation on every response); mimalloc cuts that. The
// numbers are in the README's performance section.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// A Lambda instance serves one event at a time: one thread runs it without
// the cross-thread wake-ups a multi-threaded runtime pays for.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let started = std::time::Instant::now();
    telemetry::init();
    let config = Config::from_env().map_err(|e| {
        tracing::error!(error = %e, "init failed");
        e
    })?;
    let sdk = bootstrap::load_sdk_config().await;
    // What the process does by itself; the rest is the backend calls below.
    let local_ms = elapsed_ms(started);
    let service = bootstrap::build_service(&config, &sdk).await.map_err(|e| {
        tracing::error!(error = %e, "init failed");
        lambda_http::Error::from(e)
    })?;
    // Cold start: config parsed, clients built, keys fetched, connections warm.
    let init_ms = elapsed_ms(started);
    let network_ms = init_ms - local_ms;
    tracing::info!(
        signing_key = service_key_id(&service),
        init_ms,
        local_ms,
        network_ms,
        "ready"
    );
    let service = Arc::new(service);
    lambda_http::run(service_fn(move |event: Request| {
        let service = Arc::clone(&service);
        async move { Ok::<_, std::convert::Infallible>(http::handle(&service, event).await) }
    }))
    .await
}

fn service_key_id(service: &bootstrap::AppService) -> String {
    use delegated_login::domain::ports::Signer;
    service.signer().key_id().to_string()
}
