//! Tables and the signing key, for local use and tests (production uses
//! the SAM template).

use super::{Admin, AdminError};

impl Admin {
    /// Creates both tables (on demand) and the replay table's TTL. Safe to re-run.
    pub async fn create_tables(&self) -> Result<(), AdminError> {
        self.tables.create().await.map_err(AdminError::Backend)
    }

    /// Creates an ECC_NIST_P256 signing key (and an alias when given);
    /// returns its key id.
    pub async fn create_signing_key(&self, alias: Option<&str>) -> Result<String, AdminError> {
        self.kms
            .create_signing_key(alias)
            .await
            .map_err(AdminError::Backend)
    }
}
