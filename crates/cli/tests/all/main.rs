//! End-to-end tests: the real `squall` binary on loopback ports with a temporary data
//! directory, driven by the `squall` CLI, an HTTP client and the `aws` CLI.

mod async_invoke;
mod bad_input;
mod canary;
mod cluster;
mod corpus;
mod dev_loop;
mod dev_mode;
mod dynamodb;
mod egress;
mod events;
mod faults;
mod harness;
mod identity;
mod kms;
mod lambda_runtimes;
mod manifest_variables;
mod objects;
mod packaging;
mod params;
mod postgres;
mod queues;
mod replay;
mod rest_api;
mod scheduler;
mod spine;
mod step_functions_yml;
mod streams;
mod topics;
mod workflows;
