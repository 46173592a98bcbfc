//! The use cases over the memory ports: every rule of the contract with
//! real single use, real signatures and no network.

mod action;
mod decision;
mod limits;
mod login_order;
mod login_success;
mod spend;
mod support;
