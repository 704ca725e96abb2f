//! Secrets Manager on a manual clock.
