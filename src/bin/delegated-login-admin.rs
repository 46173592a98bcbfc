//! Operator CLI: provisions the directory, tables and key the service
//! reads. JSON on stdout; a message on stderr and a non-zero exit on error.

use clap::{Parser, Subcommand};
use delegated_login::admin::{Admin, AdminError, ServiceAccountRequest};
use delegated_login::bootstrap::load_sdk_config;
use delegated_login::domain::model::UserKind;
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "delegated-login-admin",
    version,
    about = "Provision the delegated login service"
)]
struct Cli {
    /// Directory table name.
    #[arg(long, env = "DIRECTORY_TABLE", global = true, default_value = "")]
    directory_table: String,
    /// Replay table name.
    #[arg(long, env = "REPLAY_TABLE", global = true, default_value = "")]
    replay_table: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create both tables (TTL on) and, with --create-key, a KMS signing key. For local use.
    Init {
        #[arg(long)]
        create_key: bool,
        /// Alias for the new key, e.g. alias/delegated-login.
        #[arg(long, requires = "create_key")]
        key_alias: Option<String>,
    },
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    #[command(name = "service-account")]
    ServiceAccount {
        #[command(subcommand)]
        command: ServiceAccountCommand,
    },
    Credential {
        #[command(subcommand)]
        command: CredentialCommand,
    },
    Permission {
        #[command(subcommand)]
        command: PermissionCommand,
    },
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    Create {
        #[arg(long, default_value = "org")]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        username: String,
        /// CustomerEmployee or EndUser.
        #[arg(long)]
        kind: String,
    },
    /// Deactivate a user or service account: its tokens stop working for good.
    Deactivate {
        #[arg(long)]
        user_id: String,
    },
    /// Activate it again: new logins and tokens work; old tokens stay refused.
    Activate {
        #[arg(long)]
        user_id: String,
    },
    /// Archive a user or service account for good (a service account's
    /// delegated tokens stop working too).
    Archive {
        #[arg(long)]
        user_id: String,
    },
}

#[derive(Subcommand)]
enum ServiceAccountCommand {
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// PEM file of the account's public key (P-256, secp256k1, Ed25519 or RSA >= 2048).
        #[arg(long)]
        public_key: std::path::PathBuf,
        #[command(flatten)]
        signing: TokenSigning,
    },
}

/// How a service account token is made.
#[derive(clap::Args)]
struct TokenSigning {
    #[arg(long, default_value_t = 365)]
    days_valid: i64,
    /// KMS key that signs it (id, ARN or alias).
    #[arg(long, env = "SIGNING_KEY_ID")]
    signing_key_id: String,
    #[arg(long, env = "TOKEN_ISSUER")]
    issuer: String,
}

#[derive(Subcommand)]
enum CredentialCommand {
    /// Add a Key credential to a user or service account.
    Add {
        #[arg(long)]
        identity: String,
        #[arg(long)]
        public_key: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum PermissionCommand {
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// Comma-separated, e.g. Auth:Users:Read,Auth:Users:Delegate
        #[arg(long, value_delimiter = ',')]
        operations: Vec<String>,
    },
    Assign {
        #[arg(long)]
        permission: String,
        #[arg(long)]
        identity: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue another token for an existing service account.
    Create {
        #[arg(long)]
        service_account: String,
        #[command(flatten)]
        signing: TokenSigning,
    },
    Revoke {
        #[arg(long)]
        token_id: String,
    },
}

fn read_pem(path: &std::path::Path) -> Result<String, AdminError> {
    std::fs::read_to_string(path)
        .map_err(|e| AdminError::Invalid(format!("cannot read {}: {e}", path.display())))
}

async fn run(cli: Cli) -> Result<serde_json::Value, AdminError> {
    if cli.directory_table.is_empty() || cli.replay_table.is_empty() {
        return Err(AdminError::Invalid(
            "set --directory-table and --replay-table (or DIRECTORY_TABLE and REPLAY_TABLE)".into(),
        ));
    }
    let sdk = load_sdk_config().await;
    let admin = Admin::new(&sdk, &cli.directory_table, &cli.replay_table);
    Ok(match cli.command {
        Command::Init {
            create_key,
            key_alias,
        } => {
            admin.create_tables().await?;
            let key_id = match create_key {
                true => Some(admin.create_signing_key(key_alias.as_deref()).await?),
                false => None,
            };
            json!({ "directoryTable": cli.directory_table, "replayTable": cli.replay_table, "keyId": key_id })
        }
        Command::Org {
            command: OrgCommand::Create { name },
        } => json!({ "orgId": admin.create_org(&name).await? }),
        Command::User {
            command:
                UserCommand::Create {
                    org,
                    username,
                    kind,
                },
        } => {
            let kind = UserKind::parse(&kind).ok_or_else(|| {
                AdminError::Invalid("--kind must be CustomerEmployee or EndUser".into())
            })?;
            json!({ "userId": admin.create_user(&org, &username, kind).await? })
        }
        Command::User {
            command: UserCommand::Deactivate { user_id },
        } => {
            admin.deactivate_user(&user_id).await?;
            json!({ "userId": user_id, "status": "Inactive" })
        }
        Command::User {
            command: UserCommand::Activate { user_id },
        } => {
            admin.activate_user(&user_id).await?;
            json!({ "userId": user_id, "status": "Active" })
        }
        Command::User {
            command: UserCommand::Archive { user_id },
        } => {
            admin.archive_user(&user_id).await?;
            json!({ "userId": user_id, "status": "Archived" })
        }
        Command::ServiceAccount {
            command:
                ServiceAccountCommand::Create {
                    org,
                    name,
                    public_key,
                    signing,
                },
        } => {
            let pem = read_pem(&public_key)?;
            let request = ServiceAccountRequest {
                org_id: &org,
                name: &name,
                public_key_pem: &pem,
                days_valid: signing.days_valid,
                signing_key_id: &signing.signing_key_id,
                issuer: &signing.issuer,
            };
            serde_json::to_value(admin.create_service_account(&request).await?)
                .map_err(|e| AdminError::backend("output", e))?
        }
        Command::Credential {
            command:
                CredentialCommand::Add {
                    identity,
                    public_key,
                },
        } => {
            let (credential_id, cred_id) = admin
                .add_credential(&identity, &read_pem(&public_key)?)
                .await?;
            json!({ "credentialId": credential_id, "credId": cred_id })
        }
        Command::Permission {
            command:
                PermissionCommand::Create {
                    org,
                    name,
                    operations,
                },
        } => {
            json!({ "permissionId": admin.create_permission(&org, &name, &operations).await? })
        }
        Command::Permission {
            command:
                PermissionCommand::Assign {
                    permission,
                    identity,
                },
        } => {
            json!({ "assignmentId": admin.assign_permission(&permission, &identity).await? })
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    service_account,
                    signing,
                },
        } => {
            let issued = admin
                .create_service_account_token(
                    &service_account,
                    signing.days_valid,
                    &signing.signing_key_id,
                    &signing.issuer,
                )
                .await?;
            serde_json::to_value(issued).map_err(|e| AdminError::backend("output", e))?
        }
        Command::Token {
            command: TokenCommand::Revoke { token_id },
        } => {
            admin.revoke_token(&token_id).await?;
            json!({ "tokenId": token_id, "status": "Revoked" })
        }
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(value) => {
            println!("{value}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("delegated-login-admin: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
