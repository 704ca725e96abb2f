//! Roles' sessions: temporary credentials whose session token carries, sealed under the
//! installation's key, everything needed to check them (the role, the session's name,
//! policies and tags, the secret, the expiry), so any server of the store accepts them and
//! nothing is written when one is made. A token is refused once expired (on the platform
//! clock), or once its role is deleted (the role's unique id is in it, so a role made again
//! under the same name does not revive old sessions).

use crate::model::{KeyStatus, Role, Tag};
use crate::principal::{Principal, Session};
use crate::state::State;
use crate::{Error, Identities, Result, ids};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use squall_iam::{Context, Decision, Policies, Policy, PolicyKind, Request};
use std::collections::HashMap;
use std::sync::Arc;

/// The shortest session AWS gives, in seconds.
const MIN_DURATION_S: u32 = 900;
/// AWS's limit on session policies (`Policy` and `PolicyArns` packed), in characters.
const MAX_SESSION_POLICY: usize = 2048;
/// At most this many opened sessions are kept; beyond it the cache starts afresh.
const CACHE_MAX: usize = 10_000;

/// What AssumeRole asks for.
#[derive(Debug, Clone, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    /// Seconds (3600 unless given; 900 up to the role's maximum).
    pub duration_s: Option<u32>,
    /// An inline session policy.
    pub policy: Option<String>,
    /// Managed policies' ARNs as session policies.
    pub policy_arns: Vec<String>,
    pub tags: Vec<Tag>,
    /// `sts:ExternalId`, for trust policies that require one.
    pub external_id: Option<String>,
}

/// A session's credentials.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires_ms: u64,
    /// `AROA…:<session>`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
    /// The session policies' share of AWS's limit, in percent.
    pub packed_policy_size: u32,
}

/// A function's execution role as its deployment recorded it: what serverless.yml granted
/// (the framework's role: its inline statements and managed policies), or nothing (the
/// framework's default role, which allows only logs — none of Squall's APIs).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FunctionGrant {
    /// The role's ARN, as the function reports it.
    pub role_arn: String,
    /// The inline policy document.
    #[serde(default)]
    pub document: Option<String>,
    /// Managed policies' ARNs.
    #[serde(default)]
    pub managed: Vec<String>,
}

/// How long a function's credentials last (as Lambda's, about as long as an execution
/// environment); the process runtime retires a process before they expire.
const FUNCTION_SESSION_S: u32 = 12 * 3600;

/// What a session token holds.
#[derive(Serialize, Deserialize)]
struct Claims {
    /// A function's grant, for a session of a role that lives in its deployment rather
    /// than in IAM (`role` and `role_id` are then empty).
    #[serde(default)]
    grant: Option<FunctionGrant>,
    /// The role's name, lowercased, and its unique id.
    role: String,
    role_id: String,
    session: String,
    secret: String,
    expires_ms: u64,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    policy_arns: Vec<String>,
    #[serde(default)]
    tags: Vec<Tag>,
}

/// Why a session's credentials are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionError {
    /// The token does not open, or is not this key's, or its role is gone.
    Invalid,
    /// The session has ended.
    Expired,
}

/// An opened session: the token it was opened from, the generation of the identities it
/// was resolved against, and its principal.
type Opened = (String, u64, Arc<Principal>);

/// Opened sessions, by access key id.
#[derive(Default)]
pub(crate) struct SessionCache(std::sync::Mutex<HashMap<String, Opened>>);

fn assumed_arn(role: &Role, session: &str) -> String {
    format!("arn:aws:sts::{}:assumed-role/{}/{session}", squall_types::ACCOUNT_ID, role.name)
}

fn role_arn(role: &Role) -> String {
    format!("arn:aws:iam::{}:role{}{}", squall_types::ACCOUNT_ID, role.path, role.name)
}

fn validation(field: &str, value: &str, constraint: &str) -> Error {
    Error::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
    ))
}

impl State {
    /// The role `arn` names, if it is one.
    fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let name = arn.rsplit('/').next()?;
        self.roles.get(&name.to_ascii_lowercase()).filter(|r| role_arn(r) == arn)
    }
}

impl Identities {
    /// AssumeRole for `caller` (a user or another session; the root may not assume roles,
    /// as on AWS): allowed when the role's trust policy allows `sts:AssumeRole` to the
    /// caller (naming it, or naming the account and the caller's own policies allowing it),
    /// with `context` the request's condition keys.
    pub fn assume_role(&self, caller: &Principal, context: &Context, ask: AssumeRole) -> Result<Credentials> {
        let state = self.snapshot();
        let denied = || {
            Error::AccessDenied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn, ask.role_arn
            ))
        };
        let role = state.role_by_arn(&ask.role_arn).ok_or_else(denied)?;
        let trust = Policy::parse(&role.trust, PolicyKind::Trust).map_err(|_| denied())?;
        let mut context = context.clone();
        context.set("sts:RoleSessionName", ask.session_name.clone());
        if let Some(id) = &ask.external_id {
            context.set("sts:ExternalId", id.clone());
        }
        let identity: Vec<&Policy> = caller.policies.iter().collect();
        let session: Option<Vec<&Policy>> =
            caller.session.as_ref().and_then(|s| s.policies.as_ref()).map(|p| p.iter().collect());
        let policies =
            Policies { identity: &identity, resource: &[&trust], boundary: None, session: session.as_deref() };
        let request =
            Request { principal: &caller.arn, action: "sts:AssumeRole", resource: &ask.role_arn, context: &context };
        if squall_iam::decide(&policies, &request) != Decision::Allow {
            return Err(denied());
        }
        self.mint(&state, role, ask)
    }

    /// Credentials for a session of `role` (no authorization: the caller decided).
    fn mint(&self, state: &State, role: &Role, ask: AssumeRole) -> Result<Credentials> {
        let name = &ask.session_name;
        if !(2..=64).contains(&name.len()) || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        {
            return Err(validation(
                "roleSessionName",
                name,
                r"Member must satisfy regular expression pattern: [\w+=,.@-]* and have length between 2 and 64",
            ));
        }
        let duration_s = ask.duration_s.unwrap_or(3600);
        if duration_s < MIN_DURATION_S {
            return Err(validation(
                "durationSeconds",
                &duration_s.to_string(),
                "Member must have value greater than or equal to 900",
            ));
        }
        if duration_s > role.max_session_s {
            return Err(Error::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.".into(),
            ));
        }
        let mut packed = 0;
        if let Some(p) = &ask.policy {
            Policy::accept(p, PolicyKind::Identity).map_err(|m| Error::MalformedPolicy(m.0))?;
            packed += crate::inline::policy_size(p);
        }
        for arn in &ask.policy_arns {
            state.policy(arn)?;
            packed += arn.len();
        }
        if packed > MAX_SESSION_POLICY {
            return Err(Error::PackedPolicyTooLarge(format!(
                "Packed policy consumes {}% of allotted space, please use smaller policy for your session.",
                packed * 100 / MAX_SESSION_POLICY
            )));
        }
        let claims = Claims {
            grant: None,
            role: role.name.to_ascii_lowercase(),
            role_id: role.id.clone(),
            session: name.clone(),
            secret: String::new(),
            expires_ms: 0,
            policy: ask.policy,
            policy_arns: ask.policy_arns,
            tags: ask.tags,
        };
        let packed = (packed * 100 / MAX_SESSION_POLICY) as u32;
        Ok(self.issue(claims, duration_s, format!("{}:{name}", role.id), assumed_arn(role, name), packed))
    }

    /// Credentials for a new session key: `claims` get their secret and expiry here and
    /// are sealed, bound to the key's id, into the session token.
    fn issue(
        &self,
        mut claims: Claims,
        duration_s: u32,
        assumed_role_id: String,
        arn: String,
        packed: u32,
    ) -> Credentials {
        let access_key_id = ids::session_key_id();
        claims.secret = ids::secret();
        claims.expires_ms = self.clock.now_ms() + u64::from(duration_s) * 1000;
        let sealed =
            self.sealer.seal(&serde_json::to_vec(&claims).expect("claims serialize"), access_key_id.as_bytes());
        Credentials {
            access_key_id,
            secret_access_key: claims.secret,
            session_token: B64.encode(sealed),
            expires_ms: claims.expires_ms,
            assumed_role_id,
            arn,
            packed_policy_size: packed,
        }
    }

    /// Credentials for a session of role `role_arn` that AWS service `service`
    /// (`scheduler.amazonaws.com`) takes to act for a resource, when the role exists and its
    /// trust policy allows the service to assume it; `context` holds the resource's
    /// `aws:SourceArn` and `aws:SourceAccount`, which trust policies may test.
    pub fn service_session(
        &self,
        service: &str,
        role_arn: &str,
        session_name: &str,
        context: &Context,
    ) -> Result<Credentials> {
        let state = self.snapshot();
        let role = state
            .role_by_arn(role_arn)
            .ok_or_else(|| Error::NoSuchEntity(format!("The role {role_arn} does not exist.")))?;
        if !trusts(role, service, context)? {
            return Err(Error::AccessDenied(format!(
                "{service} is not authorized to assume {role_arn}: its trust policy does not allow {service}"
            )));
        }
        let ask = AssumeRole {
            role_arn: role_arn.to_string(),
            session_name: session_name.to_string(),
            duration_s: Some(MIN_DURATION_S),
            ..Default::default()
        };
        self.mint(&state, role, ask)
    }

    /// Credentials for the processes of function `function`: a session of the IAM role its
    /// configuration names when that role exists and trusts Lambda (`lambda.amazonaws.com`),
    /// else of the role its deployment granted (`grant`).
    pub fn function_session(&self, function: &str, grant: FunctionGrant) -> Result<Credentials> {
        let state = self.snapshot();
        if grant.document.is_none()
            && grant.managed.is_empty()
            && let Some(role) = state.role_by_arn(&grant.role_arn)
        {
            if !trusts(role, "lambda.amazonaws.com", &Context::default())? {
                return Err(Error::AccessDenied(format!(
                    "The role defined for the function cannot be assumed by Lambda: the trust policy of {} does not allow lambda.amazonaws.com",
                    grant.role_arn
                )));
            }
            let mut role = role.clone();
            role.max_session_s = FUNCTION_SESSION_S;
            let ask = AssumeRole {
                role_arn: grant.role_arn.clone(),
                session_name: function.to_string(),
                duration_s: Some(FUNCTION_SESSION_S),
                ..Default::default()
            };
            return self.mint(&state, &role, ask);
        }
        let role_name = grant.role_arn.rsplit('/').next().unwrap_or_default().to_string();
        let claims = Claims {
            grant: Some(grant),
            role: String::new(),
            role_id: String::new(),
            session: function.to_string(),
            secret: String::new(),
            expires_ms: 0,
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
        };
        let arn = format!("arn:aws:sts::{}:assumed-role/{role_name}/{function}", squall_types::ACCOUNT_ID);
        Ok(self.issue(claims, FUNCTION_SESSION_S, format!("{role_name}:{function}"), arn, 0))
    }

    /// The session `access_key_id` and `token` speak for, checked now.
    pub fn session(&self, access_key_id: &str, token: &str) -> Result<Arc<Principal>, SessionError> {
        let state = self.snapshot();
        let generation = state.generation;
        let cache = self.sessions.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((t, g, principal)) = cache.get(access_key_id)
            && t == token
            && *g == generation
        {
            let expires = principal.session.as_ref().map_or(0, |s| s.expires_ms);
            return if self.clock.now_ms() < expires { Ok(principal.clone()) } else { Err(SessionError::Expired) };
        }
        drop(cache);
        let sealed = B64.decode(token).map_err(|_| SessionError::Invalid)?;
        let opened = self.sealer.open(&sealed, access_key_id.as_bytes()).map_err(|_| SessionError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&opened).map_err(|_| SessionError::Invalid)?;
        if self.clock.now_ms() >= claims.expires_ms {
            return Err(SessionError::Expired);
        }
        let principal = match &claims.grant {
            Some(grant) => Arc::new(granted(&state, access_key_id, &claims, grant)),
            None => Arc::new(role_session(&state, access_key_id, &claims)?),
        };
        let mut cache = self.sessions.0.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(access_key_id.to_string(), (token.to_string(), generation, principal.clone()));
        Ok(principal)
    }
}

/// Whether `role`'s trust policy lets AWS service `service` assume it, with `context`.
fn trusts(role: &Role, service: &str, context: &Context) -> Result<bool> {
    let trust = Policy::parse(&role.trust, PolicyKind::Trust).map_err(|m| Error::MalformedPolicy(m.0))?;
    let arn = role_arn(role);
    let request = Request { principal: service, action: "sts:AssumeRole", resource: &arn, context };
    Ok(trust.evaluate_as_resource(&request) == Decision::Allow)
}

/// The principal of a function's session whose role lives in its deployment.
fn granted(state: &State, access_key_id: &str, claims: &Claims, grant: &FunctionGrant) -> Principal {
    let documents = grant
        .document
        .iter()
        .map(String::as_str)
        .chain(grant.managed.iter().filter_map(|a| state.policy(a).ok()).map(|p| p.document()));
    let role_name = grant.role_arn.rsplit('/').next().unwrap_or_default();
    Principal {
        arn: format!("arn:aws:sts::{}:assumed-role/{role_name}/{}", squall_types::ACCOUNT_ID, claims.session),
        id: format!("{role_name}:{}", claims.session),
        name: claims.session.clone(),
        keys: vec![(access_key_id.to_string(), claims.secret.clone(), KeyStatus::Active)],
        policies: documents.filter_map(|d| Policy::parse(d, PolicyKind::Identity).ok()).collect(),
        tags: Vec::new(),
        boundary: None,
        tested: Default::default(),
        session: Some(Session { role_arn: grant.role_arn.clone(), policies: None, expires_ms: claims.expires_ms }),
    }
}

/// The principal of a session of an IAM role.
fn role_session(state: &State, access_key_id: &str, claims: &Claims) -> Result<Principal, SessionError> {
    let role = state.roles.get(&claims.role).filter(|r| r.id == claims.role_id).ok_or(SessionError::Invalid)?;
    let mut session_policies: Vec<Policy> = Vec::new();
    if let Some(p) = &claims.policy {
        session_policies.push(Policy::parse(p, PolicyKind::Identity).map_err(|_| SessionError::Invalid)?);
    }
    for arn in &claims.policy_arns {
        // A session policy deleted since grants nothing (its absence cannot widen).
        if let Some(p) = state.policy(arn).ok().and_then(|p| Policy::parse(p.document(), PolicyKind::Identity).ok()) {
            session_policies.push(p);
        }
    }
    let limited = claims.policy.is_some() || !claims.policy_arns.is_empty();
    let mut tags: Vec<(String, String)> = role.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
    for t in &claims.tags {
        tags.retain(|(k, _)| k != &t.key);
        tags.push((t.key.clone(), t.value.clone()));
    }
    Ok(Principal {
        arn: assumed_arn(role, &claims.session),
        id: format!("{}:{}", role.id, claims.session),
        name: claims.session.clone(),
        keys: vec![(access_key_id.to_string(), claims.secret.clone(), KeyStatus::Active)],
        policies: state.role_policies(role),
        tags,
        boundary: state.boundary(role.boundary.as_ref()),
        tested: Default::default(),
        session: Some(Session {
            role_arn: role_arn(role),
            policies: limited.then_some(session_policies),
            expires_ms: claims.expires_ms,
        }),
    })
}
