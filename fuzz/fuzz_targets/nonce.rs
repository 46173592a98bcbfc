//! `X-DFNS-NONCE` parsing: any header value, never a panic.
#![no_main]

use delegated_login::domain::nonce::{check_nonce, NoncePolicy};
use delegated_login::domain::time::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        let now = UnixTime::from_secs(1_800_000_000);
        let _ = check_nonce(Some(header), NoncePolicy::Required, 300, now);
    }
});
