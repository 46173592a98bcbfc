//! Which routes leave an audit record.

use super::Route;
use crate::domain::audit::AuditEvent;

/// The audit event of a route; `None` for reads and the signing flow.
pub fn event_of(route: Route) -> Option<AuditEvent> {
    Some(match route {
        Route::DelegatedLogin => AuditEvent::DelegatedLogin,
        Route::RegistrationChallenge => AuditEvent::RegistrationStart,
        Route::RegistrationRestart => AuditEvent::RegistrationRestart,
        Route::Registration => AuditEvent::Registration,
        Route::RegistrationEndUser => AuditEvent::EndUserRegistration,
        Route::CreateUser => AuditEvent::UserCreate,
        Route::UpdateUser => AuditEvent::UserUpdate,
        Route::ActivateUser => AuditEvent::UserActivate,
        Route::DeactivateUser => AuditEvent::UserDeactivate,
        Route::ArchiveUser => AuditEvent::UserArchive,
        Route::Logout => AuditEvent::Logout,
        Route::CreateCredential => AuditEvent::CredentialCreate,
        Route::ActivateCredential => AuditEvent::CredentialActivate,
        Route::DeactivateCredential => AuditEvent::CredentialDeactivate,
        Route::ActionInit
        | Route::Action
        | Route::Jwks
        | Route::ListUsers
        | Route::GetUser
        | Route::Introspect
        | Route::CredentialChallenge
        | Route::ListCredentials => return None,
    })
}
