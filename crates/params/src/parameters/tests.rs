//! Parameter Store on a manual clock.
