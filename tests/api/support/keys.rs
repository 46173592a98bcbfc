//! Client-side credential keys: the crate's own test keys, one definition
//! for the unit and the integration tests.

#[path = "../../../src/test_keys.rs"]
mod shared;

pub use shared::*;
