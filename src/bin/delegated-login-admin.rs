//! Operator CLI: provisions the directory, tables and key the service
//! reads. JSON on stdout; a message on stderr and a non-zero exit on error.

use clap::{Parser, Subcommand};
use delegated_login::admin::{
    Admin, AdminError, AuditFilter, LimitsChange, PasskeysChange, ServiceAccountRequest,
};
use delegated_login::bootstrap::{with_limits, AwsLimits};
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
    /// The audit trail: issued and refused delegated logins, registrations,
    /// user lifecycle changes and logouts.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// An org's records, oldest first, one JSON object per line.
    List {
        #[arg(long)]
        org: String,
        /// Only records whose caller is this id.
        #[arg(long)]
        actor: Option<String>,
        /// Only records about this user.
        #[arg(long)]
        target: Option<String>,
        /// Only records at or after this instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    Create {
        #[arg(long, default_value = "org")]
        name: String,
    },
    /// Set the org's passkey settings (relying parties and allowed page
    /// origins), replacing the stored ones; an org without any offers no
    /// passkeys.
    Passkeys {
        #[arg(long)]
        org: String,
        /// The whole list, e.g. '[{"rpId":"example.com","origins":"*"}]'.
        #[arg(long, conflicts_with_all = ["rp_id", "clear"])]
        json: Option<String>,
        /// One relying party (with --origins).
        #[arg(long, requires = "origins", conflicts_with = "clear")]
        rp_id: Option<String>,
        /// '*' (https on the rpId and its subdomains) or a comma-separated
        /// list of exact origins (e.g. http://localhost:3000).
        #[arg(long, requires = "rp_id")]
        origins: Option<String>,
        /// Remove every relying party.
        #[arg(long)]
        clear: bool,
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
        #[command(flatten)]
        out: TokenOut,
    },
    /// Set or clear a service account's limits on its delegated logins
    /// (none by default). Flags not given keep their stored value.
    Limits {
        #[arg(long)]
        service_account: String,
        /// Comma-separated source CIDRs, IPv4 or IPv6 (an empty value removes the list).
        #[arg(long, value_delimiter = ',', num_args = 0..)]
        cidrs: Option<Vec<String>>,
        /// At most this many delegated logins per fixed one-minute window.
        #[arg(long)]
        logins_per_minute: Option<u32>,
        /// Remove every limit (applied before the other flags).
        #[arg(long)]
        clear: bool,
    },
}

/// Where the new token goes.
#[derive(clap::Args)]
struct TokenOut {
    /// Write the token to this new file (mode 0600) instead of stdout; the
    /// JSON printed then omits it.
    #[arg(long)]
    token_out: Option<std::path::PathBuf>,
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
        #[command(flatten)]
        out: TokenOut,
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

/// The `--token-out` file, created before anything is issued (new, mode
/// 0600, never an existing file), so that a token is never issued with
/// nowhere to go.
fn open_token_file(
    path: Option<&std::path::Path>,
) -> Result<Option<(std::path::PathBuf, std::fs::File)>, AdminError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .map_err(|e| AdminError::Invalid(format!("cannot create {}: {e}", path.display())))?;
    Ok(Some((path.to_path_buf(), file)))
}

/// With a token file, moves the output's `token` into it and names the
/// file in its place.
fn token_output(
    mut value: serde_json::Value,
    file: Option<(std::path::PathBuf, std::fs::File)>,
) -> Result<serde_json::Value, AdminError> {
    use std::io::Write;
    let Some((path, mut file)) = file else {
        return Ok(value);
    };
    let token = value
        .as_object_mut()
        .and_then(|o| o.remove("token"))
        .and_then(|t| t.as_str().map(String::from))
        .ok_or_else(|| AdminError::backend("output", "no token to write"))?;
    file.write_all(token.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| AdminError::backend(&format!("cannot write {}", path.display()), e))?;
    value["tokenFile"] = json!(path.display().to_string());
    Ok(value)
}

async fn run(cli: Cli) -> Result<serde_json::Value, AdminError> {
    if cli.directory_table.is_empty() || cli.replay_table.is_empty() {
        return Err(AdminError::Invalid(
            "set --directory-table and --replay-table (or DIRECTORY_TABLE and REPLAY_TABLE)".into(),
        ));
    }
    // No Lambda timeout to stay inside: an operator's call may wait longer.
    const CLI_LIMITS: AwsLimits = AwsLimits {
        connect: std::time::Duration::from_secs(5),
        attempt: std::time::Duration::from_secs(30),
        operation: std::time::Duration::from_secs(90),
        max_attempts: 3,
    };
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let sdk = with_limits(loader, CLI_LIMITS).load().await;
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
        Command::Org {
            command:
                OrgCommand::Passkeys {
                    org,
                    json,
                    rp_id,
                    origins,
                    clear,
                },
        } => {
            let change = match (json, rp_id, origins, clear) {
                (Some(json), _, _, _) => PasskeysChange::Json(json),
                (None, Some(rp_id), Some(origins), _) => PasskeysChange::One { rp_id, origins },
                (None, None, None, true) => PasskeysChange::Clear,
                _ => {
                    return Err(AdminError::Invalid(
                        "give --json, --rp-id with --origins, or --clear".into(),
                    ))
                }
            };
            json!({ "orgId": org, "passkeys": admin.set_passkeys(&org, &change).await? })
        }
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
                    out,
                },
        } => {
            let pem = read_pem(&public_key)?;
            let file = open_token_file(out.token_out.as_deref())?;
            let request = ServiceAccountRequest {
                org_id: &org,
                name: &name,
                public_key_pem: &pem,
                days_valid: signing.days_valid,
                signing_key_id: &signing.signing_key_id,
                issuer: &signing.issuer,
            };
            let value = serde_json::to_value(admin.create_service_account(&request).await?)
                .map_err(|e| AdminError::backend("output", e))?;
            token_output(value, file)?
        }
        Command::ServiceAccount {
            command:
                ServiceAccountCommand::Limits {
                    service_account,
                    cidrs,
                    logins_per_minute,
                    clear,
                },
        } => {
            let change = LimitsChange {
                cidrs,
                logins_per_minute,
                clear,
            };
            serde_json::to_value(admin.set_limits(&service_account, &change).await?)
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
                    out,
                },
        } => {
            let file = open_token_file(out.token_out.as_deref())?;
            let issued = admin
                .create_service_account_token(
                    &service_account,
                    signing.days_valid,
                    &signing.signing_key_id,
                    &signing.issuer,
                )
                .await?;
            let value =
                serde_json::to_value(issued).map_err(|e| AdminError::backend("output", e))?;
            token_output(value, file)?
        }
        Command::Audit {
            command:
                AuditCommand::List {
                    org,
                    actor,
                    target,
                    since,
                },
        } => {
            let filter = AuditFilter {
                org: &org,
                actor: actor.as_deref(),
                target: target.as_deref(),
                since: since.as_deref(),
            };
            let lines = admin.audit_list(&filter).await?;
            serde_json::Value::Array(lines)
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
        // `audit list`: JSON lines, one record each (none: no output).
        Ok(serde_json::Value::Array(lines)) => {
            for line in lines {
                println!("{line}");
            }
            std::process::ExitCode::SUCCESS
        }
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
