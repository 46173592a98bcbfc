//! JSON logs, one line per decision. Never log a token, key, nonce or
//! user action value: only ids, routes, outcomes and reasons.

use tracing_subscriber::fmt::MakeWriter;

/// Installs the JSON subscriber on stdout; `RUST_LOG` is the level
/// (`error`, `warn`, `info`, `debug`, `trace` or `off`; default `info`).
pub fn init() {
    install(std::io::stdout);
}

/// Installs the same subscriber on any writer (tests capture the lines).
/// A second call is ignored.
pub fn install<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_target(false)
        .with_max_level(level(std::env::var("RUST_LOG").ok().as_deref()))
        .with_writer(writer)
        .try_init();
}

/// The level `RUST_LOG` names; anything else is `info`.
fn level(value: Option<&str>) -> tracing_subscriber::filter::LevelFilter {
    value
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::level;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn rust_log_is_a_level() {
        assert_eq!(level(None), LevelFilter::INFO);
        assert_eq!(level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level(Some("off")), LevelFilter::OFF);
        assert_eq!(level(Some("my_crate=trace")), LevelFilter::INFO);
    }
}
