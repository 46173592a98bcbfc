//! Integration tests: the real handler over a real moto (DynamoDB + KMS).

mod support;

mod action;
mod cli;
mod events;
mod faults;
mod hostile;
mod login;
mod logs;
mod nonce;
mod tokens;
