//! The services opened together over the embedded store, on a manual clock.
