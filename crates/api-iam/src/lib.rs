//! The identity APIs over the query protocol: STS (`sts`). IAM's own API and the
//! identities it manages come next; today every key is the account root's.

mod sts;

pub use sts::STS;
