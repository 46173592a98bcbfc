//! Provisioning: what the operator CLI does, as a library the tests and
//! the local stack share. It validates and orchestrates; every read and
//! write goes through the adapters, so the stored layout has one owner.
//! Ids come in and go out as strings: this is the edge where they parse.

mod audit;
mod directory;
mod limits;
mod passkeys;
mod setup;

pub use audit::AuditFilter;
pub use directory::{IssuedToken, ServiceAccount, ServiceAccountRequest};
pub use limits::{LimitsChange, LimitsView, MAX_LOGINS_PER_MINUTE};
pub use passkeys::PasskeysChange;

use aws_config::SdkConfig;

use crate::adapters::dynamodb::{DynamoAuditLog, DynamoDirectory, Tables};
use crate::adapters::kms::KmsKeys;
use crate::domain::ports::{Refusal, WriteError};

/// Why a provisioning step failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("{0}")]
    Backend(String),
}

impl AdminError {
    pub fn backend(context: &str, err: impl std::fmt::Display) -> Self {
        AdminError::Backend(format!("{context}: {err}"))
    }

    /// A refused or failed directory write, in the operator's terms.
    fn from_write(err: WriteError, subject: &str) -> Self {
        match err {
            WriteError::Refused(Refusal::OrgMissing) => {
                AdminError::NotFound(format!("org of {subject}"))
            }
            WriteError::Refused(Refusal::UsernameTaken) => {
                AdminError::Conflict(format!("username of {subject} is taken"))
            }
            WriteError::Refused(Refusal::IdentityMissing) => {
                AdminError::NotFound(format!("identity of {subject}"))
            }
            WriteError::Refused(Refusal::TokenMissing | Refusal::CredentialMissing) => {
                AdminError::NotFound(subject.into())
            }
            WriteError::Refused(Refusal::CredIdTaken) => {
                AdminError::Conflict(format!("credId of {subject} is taken"))
            }
            WriteError::Refused(Refusal::NoOtherActive) => {
                AdminError::Conflict(format!("{subject} is the last active credential"))
            }
            WriteError::Refused(Refusal::Conflict) => {
                AdminError::Conflict(format!("{subject} changed concurrently"))
            }
            WriteError::Store(e) => AdminError::backend("write", format!("{e:?}")),
        }
    }
}

/// Provisioning against one directory table, one replay table and KMS.
#[derive(Clone)]
pub struct Admin {
    pub(crate) directory: DynamoDirectory,
    pub(crate) tables: Tables,
    pub(crate) kms: KmsKeys,
    pub(crate) audit: DynamoAuditLog,
}

impl Admin {
    pub fn new(sdk: &SdkConfig, directory_table: &str, replay_table: &str) -> Self {
        Self {
            directory: DynamoDirectory::from_sdk(sdk, directory_table),
            tables: Tables::from_sdk(sdk, directory_table, replay_table),
            kms: KmsKeys::from_sdk(sdk),
            // Retention only matters to writes, which the CLI makes none of.
            audit: DynamoAuditLog::new(
                aws_sdk_dynamodb::Client::new(sdk),
                directory_table,
                crate::domain::audit::DEFAULT_AUDIT_RETENTION_DAYS,
            ),
        }
    }
}
