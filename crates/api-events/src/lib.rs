//! EventBridge on the api port: awsJson1.1, `X-Amz-Target: AWSEvents.<Op>`, signed for
//! `events`. Each operation decodes its document (`input`), calls one method of
//! `squall_events::EventBuses`, and encodes the answer (`encode`); errors take
//! EventBridge's codes (`errors`). What Squall has no counterpart for (archives, replays,
//! connections, API destinations, endpoints, partner sources) answers
//! `UnknownOperationException` naming it.

mod encode;
mod errors;
mod events;
mod input;

pub use events::SERVICE;
