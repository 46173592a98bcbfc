//! The ports over process memory, with the semantics of the DynamoDB and
//! KMS adapters: the same conditions, the same refusals, real single use
//! and a real ES256 key. They let the rules be exercised end to end
//! without a network, by unit tests and benchmarks alike.
//!
//! Each store is one `Mutex`: every conditional write is checked and
//! applied under one lock, as one DynamoDB condition or transaction is.
//! Clones share their store. Nothing expires on its own: like items a TTL
//! has not deleted yet, expired records stay and are ignored by the
//! conditions that read `expiresAt`.

mod credentials;
mod directory;
mod replay;
mod signer;
#[cfg(test)]
mod tests;
mod users;

pub use directory::{DirectoryCall, DirectorySnapshot, MemoryDirectory};
pub use replay::{MemoryReplay, ReplayCall};
pub use signer::MemorySigner;

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::error::Error;

/// A lock that outlives a panicking holder: every write is checked before
/// it is applied, so the data behind a poisoned lock is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Calls armed to fail once with `Error::Internal`, to show what a failing
/// backend leaves behind (a failed call writes nothing).
#[derive(Debug)]
struct Faults<C>(Mutex<Vec<C>>);

impl<C> Default for Faults<C> {
    fn default() -> Self {
        Self(Mutex::new(Vec::new()))
    }
}

impl<C: Copy + PartialEq + std::fmt::Debug> Faults<C> {
    fn arm(&self, call: C) {
        lock(&self.0).push(call);
    }

    /// `Err` once for each time `call` was armed.
    fn check(&self, call: C) -> Result<(), Error> {
        let mut armed = lock(&self.0);
        match armed.iter().position(|c| *c == call) {
            Some(i) => {
                armed.remove(i);
                Err(Error::internal("memory store", format!("{call:?} failed")))
            }
            None => Ok(()),
        }
    }
}
