//! The storage traits' contracts as executable checks. Each backend's tests open a fresh,
//! empty store and call every check here on it, so the embedded backend and PostgreSQL are
//! held to one definition of correct.
//!
//! A check panics (with what it expected) when the store breaks its contract.
//! [`TempPostgres`] starts the throwaway PostgreSQL server the PostgreSQL backend's tests
//! (and the end-to-end suites) run against.

pub mod artifacts;
pub mod coordination;
pub mod invocations;
pub mod logs;
pub mod messages;
pub mod meta;
mod postgres;
pub mod tables;

pub use postgres::TempPostgres;
