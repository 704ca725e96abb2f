//! `Objects`: buckets (in memory, written through to the store) and the objects in them
//! (records in the store, one table per bucket keyed by the object's key; bytes inline or
//! in blobs).

use crate::names::check_bucket_name;
use crate::record::ObjectRecord;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use squall_clock::Clock;
use squall_lifecycle::Cluster;
use squall_storage::{BlobStore, TableStore};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// A bucket's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketRecord {
    /// Its name.
    pub name: String,
    /// When it was created (Unix milliseconds).
    pub created_ms: i64,
    /// The region it reports.
    pub region: String,
    /// CORS rules, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<Vec<crate::cors::CorsRule>>,
    /// Where object events go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifications: Vec<crate::events::NotificationTarget>,
    /// `EventBridgeConfiguration`: every object event also goes to the default event bus.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eventbridge: bool,
    /// Its tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The static website it serves, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<crate::website::WebsiteConfig>,
    /// Its bucket policy (a JSON document), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Its versioning, once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<crate::versions::Versioning>,
    /// Its object lock configuration: present on a bucket made with object lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_lock: Option<crate::lock::LockConfig>,
    /// Its lifecycle configuration, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<crate::expiry::Lifecycle>,
    /// Its object ownership (`None`: its ownership controls were deleted, which S3 reads as
    /// `ObjectWriter`).
    #[serde(default = "crate::public::default_ownership")]
    pub ownership: Option<crate::public::Ownership>,
    /// Its public access block, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_block: Option<crate::public::PublicAccessBlock>,
    /// How objects written without encryption headers are encrypted, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<DefaultEncryption>,
    /// Its ACL, when it grants more than the owner's full control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<crate::acl::Acl>,
    /// Where its access logs go, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<crate::access_log::LoggingConfig>,
}

/// A bucket's default encryption (PutBucketEncryption): SSE-S3, or SSE-KMS when `kms`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultEncryption {
    /// SSE-KMS under this key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms: Option<KmsDefault>,
}

/// A bucket's default SSE-KMS key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsDefault {
    /// `KMSMasterKeyID` (`None`: S3's AWS-managed key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `BucketKeyEnabled`.
    #[serde(default)]
    pub bucket_key: bool,
}

impl DefaultEncryption {
    /// What a write without encryption headers asks for.
    pub fn request(&self) -> crate::sse::SseRequest {
        match &self.kms {
            None => crate::sse::SseRequest::S3,
            Some(k) => crate::sse::SseRequest::Kms {
                key_id: k.key_id.clone(),
                context: Default::default(),
                bucket_key: k.bucket_key,
            },
        }
    }
}

/// A bucket while the server runs.
pub(crate) struct Bucket {
    pub(crate) record: RwLock<BucketRecord>,
    /// `true` once the bucket is deleted. Object writes hold it shared, so deleting the
    /// bucket (which holds it exclusively) waits for them and they find out.
    state: tokio::sync::RwLock<bool>,
    /// Serialize each read-check-write sequence on one key until its store write is
    /// submitted; keys hash onto these, so writes to different keys rarely wait.
    stripes: Vec<tokio::sync::Mutex<()>>,
}

/// How many key locks a bucket has.
const STRIPES: usize = 64;

/// A key of a live bucket, locked for a read-check-write sequence.
pub(crate) struct KeyGuard<'a> {
    _bucket: tokio::sync::RwLockReadGuard<'a, bool>,
    _key: tokio::sync::MutexGuard<'a, ()>,
}

impl Bucket {
    fn new(record: BucketRecord) -> Bucket {
        Bucket {
            record: RwLock::new(record),
            state: Default::default(),
            stripes: (0..STRIPES).map(|_| Default::default()).collect(),
        }
    }

    /// Its settings, read in place: request paths read the few fields they need without
    /// copying the rest (policies, lifecycle documents, notification targets).
    pub(crate) fn settings(&self) -> std::sync::RwLockReadGuard<'_, BucketRecord> {
        self.record.read().expect("bucket lock")
    }

    /// Locks `key` of this bucket (named `name`), or finds the bucket deleted.
    pub(crate) async fn lock_key(&self, name: &str, key: &str) -> Result<KeyGuard<'_>> {
        use std::hash::{Hash, Hasher};
        let state = self.state.read().await;
        if *state {
            return Err(Error::NoSuchBucket(name.into()));
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let stripe = &self.stripes[h.finish() as usize % STRIPES];
        Ok(KeyGuard { _bucket: state, _key: stripe.lock().await })
    }
}

/// The objects service.
pub struct Objects {
    pub(crate) store: Arc<dyn TableStore>,
    pub(crate) blobs: Arc<dyn BlobStore>,
    region: String,
    buckets: RwLock<BTreeMap<String, Arc<Bucket>>>,
    /// Serializes creating and deleting buckets.
    lifecycle: tokio::sync::Mutex<()>,
    /// Makes version ids.
    pub(crate) version_ids: crate::versions::VersionIds,
    /// Numbers object events.
    pub(crate) sequencer: crate::events::Sequencer,
    /// Wakes the lifecycle worker when a bucket's rules change.
    pub(crate) lifecycle_changed: tokio::sync::Notify,
    /// Wakes the event worker when events are written.
    pub(crate) events_pending: tokio::sync::Notify,
    /// What modification and event times and the event worker's retries read.
    pub(crate) clock: Clock,
    /// Where the event worker delivers (set once, before start).
    pub(crate) event_sink: std::sync::OnceLock<Arc<dyn crate::events::EventSink>>,
    /// The key SSE-S3 data keys are sealed under.
    pub(crate) master_key: [u8; 32],
    /// Access log lines waiting for delivery.
    pub(crate) access_logs: crate::access_log::LogBuffer,
    /// The KMS SSE-KMS data keys come from (set once, before start).
    pub(crate) kms: std::sync::OnceLock<Arc<dyn crate::sse::KeyService>>,
    /// This server among those of the store.
    pub(crate) cluster: Cluster,
    /// Whether other servers write the store too (read-check-writes are then checked at
    /// commit: [`crate::checked`]).
    pub(crate) shared: bool,
}

/// The name under which changes of buckets' settings are announced to the other servers.
pub(crate) const DOMAIN: &str = "objects";

/// Every bucket's settings, as stored.
async fn load_buckets(store: &dyn TableStore) -> Result<BTreeMap<String, BucketRecord>> {
    let mut buckets = BTreeMap::new();
    for (name, definition) in store.list_tables().await? {
        let record: BucketRecord = serde_json::from_str(&definition)
            .map_err(|e| squall_storage::Error::Corrupt { what: format!("bucket {name:?}"), detail: e.to_string() })?;
        buckets.insert(name, record);
    }
    Ok(buckets)
}

/// The partition every object record lives in (keys are the sort keys, so a bucket's
/// table lists in key order).
pub(crate) const OBJECTS_PK: &[u8] = b"";

impl Objects {
    /// Loads the buckets of `store`; object bytes larger than the inline limit go to
    /// `blobs`; times are `clock`'s; SSE-S3 seals data keys under `master_key`.
    pub async fn open(
        store: Arc<dyn TableStore>,
        blobs: Arc<dyn BlobStore>,
        region: &str,
        clock: Clock,
        cluster: Cluster,
        master_key: [u8; 32],
    ) -> Result<Arc<Objects>> {
        let sequencer = match cluster.shared {
            // A range no other server numbers in: the store's count of servers started.
            true => crate::events::Sequencer::after(cluster.coordination.bump("objects.events.epoch").await? << 32),
            false => crate::events::Sequencer::new(Objects::last_event(store.as_ref()).await?),
        };
        let buckets =
            load_buckets(store.as_ref()).await?.into_iter().map(|(n, r)| (n, Arc::new(Bucket::new(r)))).collect();
        Ok(Arc::new(Objects {
            shared: cluster.shared,
            master_key,
            cluster,
            store,
            blobs,
            region: region.to_string(),
            buckets: RwLock::new(buckets),
            lifecycle: Default::default(),
            sequencer,
            version_ids: Default::default(),
            events_pending: Default::default(),
            lifecycle_changed: Default::default(),
            clock,
            event_sink: std::sync::OnceLock::new(),
            kms: std::sync::OnceLock::new(),
            access_logs: Default::default(),
        }))
    }

    /// Wires the KMS SSE-KMS asks for data keys.
    pub fn set_key_service(&self, kms: Arc<dyn crate::sse::KeyService>) {
        let _ = self.kms.set(kms);
    }

    /// The ARN of the KMS key `key_ref` names, and whether it is AWS-managed.
    pub fn resolve_kms_key(&self, key_ref: &str) -> Result<(String, bool)> {
        let kms =
            self.kms.get().ok_or_else(|| Error::NotImplemented("SSE-KMS (this server has no KMS wired)".into()))?;
        kms.resolve(key_ref)
    }

    /// The keys data keys are sealed under.
    pub(crate) fn keys(&self) -> crate::sse::Keys<'_> {
        crate::sse::Keys { master: &self.master_key, kms: self.kms.get().map(|k| k.as_ref()) }
    }

    /// Takes buckets' settings as stored now, after another server changed them: buckets
    /// made there appear, buckets deleted there go, changed ones take their new settings.
    pub async fn refresh(&self) -> Result<()> {
        let _lifecycle = self.lifecycle.lock().await;
        let stored = load_buckets(self.store.as_ref()).await?;
        let gone: Vec<Arc<Bucket>> = {
            let mut buckets = self.buckets.write().expect("bucket map lock");
            let gone = buckets.iter().filter(|(n, _)| !stored.contains_key(*n)).map(|(_, b)| b.clone()).collect();
            buckets.retain(|n, _| stored.contains_key(n));
            for (name, record) in stored {
                match buckets.get(&name) {
                    Some(b) => *b.record.write().expect("bucket lock") = record,
                    None => {
                        buckets.insert(name, Arc::new(Bucket::new(record)));
                    }
                }
            }
            gone
        };
        for b in gone {
            // Writes in progress here find the bucket gone, as after a delete here.
            *b.state.write().await = true;
        }
        Ok(())
    }

    /// The current time in Unix milliseconds, by the clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms() as i64
    }

    /// The region buckets are created in.
    pub fn region(&self) -> &str {
        &self.region
    }

    pub(crate) fn get_bucket(&self, name: &str) -> Result<Arc<Bucket>> {
        self.buckets.read().expect("bucket map lock").get(name).cloned().ok_or_else(|| Error::NoSuchBucket(name.into()))
    }

    /// Creates bucket `name`.
    pub async fn create_bucket(&self, name: &str) -> Result<BucketRecord> {
        self.create_bucket_with(name, false).await
    }

    /// Creates bucket `name`, with object lock if `object_lock` (and so with versioning,
    /// for good).
    pub async fn create_bucket_with(&self, name: &str, object_lock: bool) -> Result<BucketRecord> {
        check_bucket_name(name)?;
        let _lifecycle = self.lifecycle.lock().await;
        if self.get_bucket(name).is_ok() {
            return Err(Error::BucketAlreadyOwnedByYou(name.into()));
        }
        let record = BucketRecord {
            name: name.into(),
            created_ms: self.now_ms(),
            region: self.region.clone(),
            cors: None,
            notifications: Vec::new(),
            eventbridge: false,
            website: None,
            policy: None,
            tags: Vec::new(),
            versioning: object_lock.then_some(crate::versions::Versioning::Enabled),
            object_lock: object_lock.then(Default::default),
            ownership: crate::public::default_ownership(),
            lifecycle: None,
            public_access_block: None,
            encryption: None,
            logging: None,
            acl: None,
        };
        let definition = serde_json::to_string(&record).expect("records serialize");
        self.store.create_table(name, &definition).await?;
        let bucket = Arc::new(Bucket::new(record.clone()));
        self.buckets.write().expect("bucket map lock").insert(name.into(), bucket);
        self.cluster.changed(DOMAIN).await;
        Ok(record)
    }

    /// Deletes bucket `name`, which must hold no objects.
    pub async fn delete_bucket(&self, name: &str) -> Result<()> {
        let _lifecycle = self.lifecycle.lock().await;
        let bucket = self.get_bucket(name)?;
        let mut deleted = bucket.state.write().await;
        // Writes submitted before the lock may not be committed, and the emptiness check
        // reads committed rows only: wait for them.
        self.store.write(Vec::new()).await?;
        let any = self.store.query(name, OBJECTS_PK, (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded), true, 1);
        if !any.await?.is_empty() {
            return Err(Error::BucketNotEmpty(name.into()));
        }
        self.drop_uploads(name).await?;
        // A key with noncurrent versions has a current one, so there are none left.
        self.store.delete_table(&crate::versions::versions_table(name)).await?;
        self.store.delete_table(name).await?;
        *deleted = true;
        self.buckets.write().expect("bucket map lock").remove(name);
        self.cluster.changed(DOMAIN).await;
        Ok(())
    }

    /// What `read` makes of bucket `name`'s settings, read in place (no copy of them).
    pub fn with_bucket<T>(&self, name: &str, read: impl FnOnce(&BucketRecord) -> T) -> Result<T> {
        Ok(read(&self.get_bucket(name)?.settings()))
    }

    /// Bucket `name`'s settings.
    pub fn bucket(&self, name: &str) -> Result<BucketRecord> {
        Ok(self.get_bucket(name)?.record.read().expect("bucket lock").clone())
    }

    /// Changes a bucket's settings, written through to the store.
    pub(crate) async fn update_bucket(&self, name: &str, change: impl FnOnce(&mut BucketRecord)) -> Result<()> {
        self.update_bucket_checked(name, |b| {
            change(b);
            Ok(())
        })
        .await
    }

    /// [`Objects::update_bucket`], unless `change` refuses: it sees the settings as they
    /// are while every write to the bucket waits, so checks on them cannot race.
    pub(crate) async fn update_bucket_checked(
        &self,
        name: &str,
        change: impl FnOnce(&mut BucketRecord) -> Result<()>,
    ) -> Result<()> {
        let bucket = self.get_bucket(name)?;
        let deleted = bucket.state.write().await;
        if *deleted {
            return Err(Error::NoSuchBucket(name.into()));
        }
        let mut record = bucket.record.read().expect("bucket lock").clone();
        change(&mut record)?;
        let definition = serde_json::to_string(&record).expect("records serialize");
        self.store.update_table(name, &definition).await?;
        *bucket.record.write().expect("bucket lock") = record;
        self.cluster.changed(DOMAIN).await;
        Ok(())
    }

    /// Sets (or with `None` deletes) a bucket's default encryption.
    pub async fn set_default_encryption(&self, name: &str, encryption: Option<DefaultEncryption>) -> Result<()> {
        self.update_bucket(name, |b| b.encryption = encryption).await
    }

    /// Replaces a bucket's tags (at most 50, S3's limit for buckets).
    pub async fn set_bucket_tags(&self, name: &str, tags: Vec<(String, String)>) -> Result<()> {
        if tags.len() > 50 {
            return Err(Error::BadRequest("Bucket tags cannot be greater than 50".into()));
        }
        crate::object::check_tag_values(&tags)?;
        self.update_bucket(name, |b| b.tags = tags).await
    }

    /// Every bucket, by name.
    pub fn list_buckets(&self) -> Vec<BucketRecord> {
        let buckets = self.buckets.read().expect("bucket map lock");
        buckets.values().map(|b| b.record.read().expect("bucket lock").clone()).collect()
    }

    /// The record of `key` in `bucket`, if any.
    pub(crate) async fn load(&self, bucket: &str, key: &str) -> Result<Option<ObjectRecord>> {
        match self.store.get_item(bucket, OBJECTS_PK, key.as_bytes()).await? {
            Some(bytes) => Ok(Some(ObjectRecord::decode(key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Deletes blobs no record points at any more (after the write that dropped them is
    /// durable); a failure leaves an orphan file, never a broken object.
    pub(crate) fn discard(&self, record: Option<&ObjectRecord>) {
        let Some(record) = record else { return };
        self.discard_segments(&record.segments);
    }

    /// Deletes blobs in the background (see [`Objects::discard`]).
    pub(crate) fn discard_segments(&self, segments: &[crate::record::Segment]) {
        for segment in segments {
            let (blobs, id) = (self.blobs.clone(), segment.blob.clone());
            tokio::spawn(async move {
                if let Err(e) = blobs.delete(&id).await {
                    tracing::warn!(blob = %id, error = %e, "could not delete an unreferenced blob");
                }
            });
        }
    }
}
