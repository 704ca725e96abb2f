//! The IAM policy language: documents parsed and checked as IAM checks them
//! ([`Policy::parse`], refusing with IAM's `MalformedPolicyDocument` reasons), and evaluated
//! in AWS's order ([`Policy::evaluate`], [`decide`]): an applying Deny wins, else an
//! applying Allow allows, else the request is implicitly denied; identity and resource
//! policies combine as within one account, and permissions boundaries and session policies
//! intersect with identity policies. Actions and condition keys match ignoring case,
//! resources and values as their operators say; `*` and `?` are wildcards, matched in
//! bounded time. No HTTP, no storage: the enforcement and the identity store build on it.

pub mod condition;
pub mod context;
pub mod delivery;
pub mod eval;
pub mod keys;
pub mod policy;
pub mod variables;
pub mod wildcard;

pub use context::Context;
pub use eval::{Decision, Denied, Policies, PolicyType, Request, decide, evaluate_all, why_denied};
pub use policy::{Effect, Malformed, Names, Policy, PolicyKind, Principal, Principals, Statement};
