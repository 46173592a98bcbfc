//! Dfns-compatible Delegated Login and User Action Signing.
//!
//! A request travels `http` (event parsing, routing, error mapping) ->
//! `service` (one use case per endpoint, checks in the contract's order) ->
//! `domain` (pure rules and the ports) <- `adapters` (DynamoDB, KMS).
//! `bootstrap` wires them once at init; `admin` provisions the directory.

pub mod adapters;
pub mod admin;
pub mod bootstrap;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod service;
pub mod telemetry;
#[cfg(test)]
pub(crate) mod test_keys;
#[cfg(test)]
pub(crate) mod test_passkeys;

pub use error::Error;
