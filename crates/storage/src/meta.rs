//! Metadata: functions, services and settings.

use crate::Result;
use async_trait::async_trait;
use squall_types::{FunctionRecord, ServiceRecord};

/// The precondition of a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No record by that name may exist.
    Absent,
    /// The record must exist at exactly this revision.
    Revision(u64),
}

/// One deploy, applied all at once or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentChange {
    /// The service record after the deploy.
    pub service: ServiceRecord,
    /// Functions created or replaced.
    pub upsert: Vec<FunctionRecord>,
    /// Functions deleted (full names).
    pub delete: Vec<String>,
}

/// Function, service and settings records.
///
/// Contract for every backend:
/// - a call that returns `Ok` is durable: it survives a crash (`kill -9`) of the process;
/// - each call is atomic; readers never see half of a [`DeploymentChange`];
/// - lists are ordered by name.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// The function named `name`, if any.
    async fn get_function(&self, name: &str) -> Result<Option<FunctionRecord>>;

    /// Every function, ordered by name.
    async fn list_functions(&self) -> Result<Vec<FunctionRecord>>;

    /// Writes `record` if `expect` holds, else fails with [`crate::Error::Conflict`].
    async fn put_function(&self, record: &FunctionRecord, expect: Expect) -> Result<()>;

    /// Deletes the function; returns what was deleted. A function that belongs to a
    /// service is also removed from that service's record and routes.
    async fn delete_function(&self, name: &str) -> Result<Option<FunctionRecord>>;

    /// The service named `name`, if any.
    async fn get_service(&self, name: &str) -> Result<Option<ServiceRecord>>;

    /// Every service, ordered by name.
    async fn list_services(&self) -> Result<Vec<ServiceRecord>>;

    /// Applies a deploy atomically.
    async fn apply_deployment(&self, change: &DeploymentChange) -> Result<()>;

    /// Deletes a service and all its functions atomically; returns the removed record.
    async fn remove_service(&self, name: &str) -> Result<Option<ServiceRecord>>;

    /// A setting, if set.
    async fn get_setting(&self, key: &str) -> Result<Option<String>>;

    /// Sets `key` to `value` unless it is already set; returns the value now stored. Two
    /// nodes racing on first start agree on one value this way.
    async fn init_setting(&self, key: &str, value: &str) -> Result<String>;
}
