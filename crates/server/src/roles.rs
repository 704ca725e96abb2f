//! Functions' execution-role credentials: each process function's processes get a session
//! of its role from the identity service (`squall_identity::Identities::function_session`),
//! never the installation's key. The runtimes are built before the services are open, so
//! the identity service is handed over once it is.

use squall_identity::{FunctionGrant, Identities};
use squall_runtime::{CredentialSource, FunctionCredentials};
use squall_types::FunctionRecord;
use std::sync::{Arc, OnceLock};

/// The credential source the process runtime is given.
#[derive(Default)]
pub(crate) struct FunctionRoles {
    identities: OnceLock<Arc<Identities>>,
    clock: OnceLock<squall_clock::Clock>,
}

impl FunctionRoles {
    /// Makes credentials available from `identities`, on `clock`.
    pub(crate) fn serve_from(&self, identities: Arc<Identities>, clock: squall_clock::Clock) {
        let _ = self.identities.set(identities);
        let _ = self.clock.set(clock);
    }
}

impl std::fmt::Debug for FunctionRoles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionRoles").field("ready", &self.identities.get().is_some()).finish()
    }
}

/// What `f`'s configuration grants its role.
pub(crate) fn grant_of(f: &FunctionRecord) -> FunctionGrant {
    let c = &f.config;
    FunctionGrant {
        role_arn: c.role.clone(),
        document: c.role_policy.as_ref().map(|p| p.document.clone()),
        managed: c.role_policy.as_ref().map(|p| p.managed_policies.clone()).unwrap_or_default(),
    }
}

impl CredentialSource for FunctionRoles {
    fn credentials(&self, f: &FunctionRecord) -> Result<FunctionCredentials, String> {
        let identities = self.identities.get().ok_or("the identity service is not open yet")?;
        let creds = identities.function_session(f.config.name.as_str(), grant_of(f)).map_err(|e| e.to_string())?;
        Ok(FunctionCredentials {
            access_key_id: creds.access_key_id,
            secret_access_key: creds.secret_access_key,
            session_token: creds.session_token,
            expires_ms: creds.expires_ms,
        })
    }

    fn now_ms(&self) -> u64 {
        self.clock.get().map_or(0, squall_clock::Clock::now_ms)
    }
}

/// The condition keys of a delivery the platform makes for a role at `now_ms`.
pub(crate) fn delivery_context(now_ms: u64) -> squall_iam::Context {
    let mut context = squall_iam::Context::default();
    context
        .set("aws:CurrentTime", squall_types::format_iso8601_millis_z(now_ms))
        .set("aws:EpochTime", (now_ms / 1000).to_string())
        .set("aws:SecureTransport", "false")
        .set("aws:ResourceAccount", squall_types::ACCOUNT_ID);
    context
}

/// Whether the session `creds` may perform `action` on `arn`, under the target's own
/// `policy` (a stored policy was checked when set; one that no longer parses grants
/// nothing); `Err` says why the session itself was refused.
pub(crate) fn session_allows(
    identities: &Identities,
    creds: &squall_identity::Credentials,
    action: &str,
    arn: &str,
    policy: Option<String>,
    mut context: squall_iam::Context,
) -> Result<bool, String> {
    let principal = identities.session(&creds.access_key_id, &creds.session_token).map_err(|e| format!("{e:?}"))?;
    let policy = policy.and_then(|d| squall_iam::Policy::parse(&d, squall_iam::PolicyKind::Resource).ok());
    principal.describe(&mut context);
    Ok(principal.decide(action, arn, policy.as_ref(), &context) == squall_iam::Decision::Allow)
}
