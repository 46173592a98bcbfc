//! Integration tests: the real handler over a real moto (DynamoDB + KMS).

// Test code throughout, helpers included: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

mod action;
mod audit;
mod cascade;
mod cli;
mod events;
mod faults;
mod hostile;
mod introspect;
mod limits;
mod login;
mod logout;
mod logs;
mod nonce;
mod passkeys;
mod permissions;
mod registration;
mod rules;
mod tokens;
mod users;
