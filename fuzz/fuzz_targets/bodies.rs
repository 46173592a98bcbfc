//! Request bodies, query strings and signed client data: any bytes, never a panic.
#![no_main]

use delegated_login::domain::client_data::check_client_data;
use delegated_login::domain::ids::UserId;
use delegated_login::domain::payload::{binding, canonical_payload};
use delegated_login::service::input::query_bool;
use delegated_login::service::parse_login_body;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let caller = UserId::parse("us-01jtb-imrht-edl9flkevj8gev5j").expect("an id");
    let _ = parse_login_body(data);
    let _ = canonical_payload(data);
    let _ = binding(&caller, "POST", "/auth/login/delegated", data);
    let _ = check_client_data(data, "challenge");
    let _ = query_bool(std::str::from_utf8(data).ok(), "force");
});
