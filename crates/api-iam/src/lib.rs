//! The identity APIs over the query protocol: IAM (`iam`: users, access keys, groups,
//! roles, inline and managed policies, the policy simulator) over `squall-identity`, and
//! STS (`sts`).

mod iam;
mod render;
mod simulate;
mod sts;

pub use iam::IAM;
pub use sts::STS;
