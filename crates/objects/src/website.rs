//! Static websites: a bucket with a website configuration serves its objects as pages,
//! with an index document for "directories" and an error document for what is missing
//! (S3's website endpoint rules, which single-page apps rely on).

use crate::conditions::{ByteRange, Conditions};
use crate::object::ObjectRead;
use crate::service::Objects;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A bucket's website configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebsiteConfig {
    /// `IndexDocument.Suffix`: appended to paths that end in `/`.
    pub index_suffix: String,
    /// `ErrorDocument.Key`: served (with status 404) for keys that do not exist.
    #[serde(default)]
    pub error_key: Option<String>,
}

/// What a website request gets.
pub enum WebsitePage {
    /// The object asked for.
    Object(ObjectRead),
    /// `path` names a "directory" that has an index document: go to `path/`.
    Redirect(String),
    /// Nothing there: the error document, when the bucket has one.
    NotFound {
        /// The key asked for.
        key: String,
        /// The error document.
        error_document: Option<ObjectRead>,
    },
}

impl Objects {
    /// Replaces (or with `None` removes) a bucket's website configuration.
    pub async fn set_website(&self, bucket: &str, config: Option<WebsiteConfig>) -> Result<()> {
        if let Some(c) = &config
            && (c.index_suffix.is_empty() || c.index_suffix.contains('/'))
        {
            return Err(Error::InvalidArgument(
                "The IndexDocument Suffix is not well formed: it must be non-empty and hold no slash".into(),
            ));
        }
        self.update_bucket(bucket, |b| b.website = config).await
    }

    /// The page for `path` (decoded, without its leading `/`) of `bucket`'s website.
    pub async fn website_page(
        &self,
        bucket: &str,
        path: &str,
        conditions: &Conditions,
        range: Option<ByteRange>,
    ) -> Result<WebsitePage> {
        let config = self.bucket(bucket)?.website.ok_or_else(|| Error::NoSuchWebsiteConfiguration(bucket.into()))?;
        let key = if path.is_empty() || path.ends_with('/') {
            format!("{path}{}", config.index_suffix)
        } else {
            path.to_string()
        };
        match self.get_object(bucket, &key, (None, None), conditions, range).await {
            Err(Error::NoSuchKey(_) | Error::DeleteMarker { .. }) => {}
            other => return other.map(WebsitePage::Object),
        }
        if !path.is_empty() && !path.ends_with('/') {
            let index = format!("{path}/{}", config.index_suffix);
            if self.load(bucket, &index).await?.is_some_and(|r| !r.delete_marker) {
                return Ok(WebsitePage::Redirect(format!("/{path}/")));
            }
        }
        let error_document = match &config.error_key {
            Some(k) => match self.get_object(bucket, k, (None, None), &Conditions::default(), None).await {
                Ok(read) => Some(read),
                Err(Error::NoSuchKey(_) | Error::DeleteMarker { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        Ok(WebsitePage::NotFound { key, error_document })
    }
}
