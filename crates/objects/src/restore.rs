//! Archived objects (GLACIER, DEEP_ARCHIVE): as on S3 their bytes are not read (GET, a
//! copy's source, the website) until RestoreObject makes a copy readable for some days.
//! A restore completes at once here (S3 takes minutes to hours); its copy expires at the
//! midnight UTC after its days, on the platform clock, and the object is archived again.

use crate::events::Requester;
use crate::record::ObjectRecord;
use crate::{Error, Objects, Result};

impl Objects {
    /// Until when a restored copy of `record` is readable, if one is now.
    pub fn restored_until(&self, record: &ObjectRecord) -> Option<i64> {
        record.restore_expiry_ms.filter(|until| *until > self.now_ms())
    }

    /// Refuses reading the bytes of an archived version that has no restored copy now.
    pub(crate) fn check_readable(&self, record: &ObjectRecord) -> Result<()> {
        if record.storage_class.is_archive() && self.restored_until(record).is_none() {
            return Err(Error::InvalidObjectState {
                message: "The operation is not valid for the object's storage class".into(),
                storage_class: record.storage_class.as_str(),
            });
        }
        Ok(())
    }

    /// RestoreObject: a copy of the archived `key` (its current version, or `version`)
    /// readable for `days`; the record, and whether a restored copy was there already
    /// (S3 answers 200 then, 202 for a new one). Its events are `ObjectRestore:Post` and
    /// `ObjectRestore:Completed`.
    pub async fn restore_object(
        &self,
        bucket: &str,
        key: &str,
        version: Option<&str>,
        days: u32,
        by: &Requester,
    ) -> Result<(ObjectRecord, bool)> {
        let current = self.record(bucket, key, version).await?;
        if !current.storage_class.is_archive() {
            return Err(Error::InvalidObjectState {
                message: "Restore is not allowed for the object's current storage class".into(),
                storage_class: current.storage_class.as_str(),
            });
        }
        let already = self.restored_until(&current).is_some();
        let until = crate::expiry::due(self.now_ms(), days);
        let events: &[&str] = if already { &[] } else { &["ObjectRestore:Post", "ObjectRestore:Completed"] };
        let record = self
            .update_as(bucket, key, version, Some((events, by)), |r| {
                if !r.storage_class.is_archive() {
                    return Err(Error::InvalidObjectState {
                        message: "Restore is not allowed for the object's current storage class".into(),
                        storage_class: r.storage_class.as_str(),
                    });
                }
                r.restore_expiry_ms = Some(until);
                Ok(())
            })
            .await?;
        Ok((record, already))
    }
}
