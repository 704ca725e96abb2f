//! `squall server --dev`'s reset: every bucket goes, with its objects, versions and uploads.

use crate::events::Requester;
use crate::{ListRequest, Objects, Result};

impl Objects {
    /// Deletes every bucket with what it holds. Notification configurations are cleared
    /// first, so emptying a bucket sends no events.
    pub async fn reset(&self) -> Result<()> {
        let by = Requester {
            request_id: "reset".into(),
            source_ip: String::new(),
            principal: "squall".into(),
            lifecycle: false,
        };
        for bucket in self.list_buckets() {
            let name = bucket.name;
            self.update_bucket(&name, |b| b.notifications.clear()).await?;
            let all = ListRequest { prefix: String::new(), delimiter: None, after: None, max_keys: 1000 };
            loop {
                let page = self.list_versions(&name, &all, None).await?;
                if page.versions.is_empty() {
                    break;
                }
                for v in page.versions {
                    self.remove_version(&name, &v.key, crate::versions::version_label(&v.record), &by, None).await?;
                }
            }
            self.delete_bucket(&name).await?;
        }
        Ok(())
    }
}
