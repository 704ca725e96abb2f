//! Lambda function URLs: Create, Get, Update, Delete and ListFunctionUrlConfig(s), and finding
//! the function a URL's id names. A URL belongs to `$LATEST` or to an alias; its
//! configuration lives in `$LATEST`'s record with the versions and aliases.

use crate::versions::Qualifier;
use crate::{Error, Functions, Result};
use squall_types::{Cors, FunctionRecord, FunctionUrl, LATEST, UrlAuth};
use std::sync::Arc;

/// UpdateFunctionUrlConfig's changes; `None` keeps what the URL has.
#[derive(Debug, Clone, Default)]
pub struct UrlPatch {
    /// `AuthType`.
    pub auth: Option<UrlAuth>,
    /// `Cors`: `Some(None)` removes it.
    pub cors: Option<Option<Cors>>,
    /// `InvokeMode`: `Some(true)` for `RESPONSE_STREAM`.
    pub streaming: Option<bool>,
}

/// A URL's id: 32 lower-case letters and digits, as Lambda's.
pub(crate) fn new_url_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS's random source answers");
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

fn no_url(name: &str, qualifier: &str) -> Error {
    Error::NotFound { kind: "FunctionUrlConfig", name: format!("{name}:{qualifier}") }
}

/// The qualifier a URL may have: `$LATEST` (none given) or an alias of `f`.
fn url_qualifier(f: &FunctionRecord, qualifier: Option<&str>) -> Result<String> {
    match qualifier.map(Qualifier::parse) {
        None | Some(Qualifier::Latest) => Ok(LATEST.to_string()),
        Some(Qualifier::Version(n)) => Err(Error::InvalidRequest(format!(
            "A function URL takes $LATEST or an alias as its qualifier, not version {n}"
        ))),
        Some(Qualifier::Alias(alias)) if f.versions.aliases.contains_key(&alias) => Ok(alias),
        Some(Qualifier::Alias(alias)) => {
            Err(Error::NotFound { kind: "Alias", name: format!("{}:{alias}", f.config.name) })
        }
    }
}

impl Functions {
    /// CreateFunctionUrlConfig: the URL and its qualifier.
    pub async fn create_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
        auth: UrlAuth,
        cors: Option<Cors>,
        streaming: bool,
    ) -> Result<(String, FunctionUrl)> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        let q = url_qualifier(&current, qualifier)?;
        if current.versions.urls.contains_key(&q) {
            return Err(Error::Conflict(format!(
                "Failed to create function url config for [functionArn = {}]. Error message:  FunctionUrlConfig exists for this Lambda function",
                squall_types::function_arn(squall_types::DEFAULT_REGION, name)
            )));
        }
        let now = self.clock.now_ms();
        let url =
            FunctionUrl { id: new_url_id(), auth, cors, created_ms: now, modified_ms: now, declared: false, streaming };
        let mut next = (*current).clone();
        next.versions.urls.insert(q.clone(), url.clone());
        self.replace(&current, next, None).await?;
        Ok((q, url))
    }

    /// GetFunctionUrlConfig.
    pub fn get_url(&self, name: &str, qualifier: Option<&str>) -> Result<(String, FunctionUrl)> {
        let f = self.get_function(name)?;
        let q = url_qualifier(&f, qualifier)?;
        let url = f.versions.urls.get(&q).cloned().ok_or_else(|| no_url(name, &q))?;
        Ok((q, url))
    }

    /// UpdateFunctionUrlConfig.
    pub async fn update_url(
        &self,
        name: &str,
        qualifier: Option<&str>,
        patch: UrlPatch,
    ) -> Result<(String, FunctionUrl)> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        let q = url_qualifier(&current, qualifier)?;
        let mut url = current.versions.urls.get(&q).cloned().ok_or_else(|| no_url(name, &q))?;
        if let Some(a) = patch.auth {
            url.auth = a;
        }
        if let Some(c) = patch.cors {
            url.cors = c;
        }
        if let Some(s) = patch.streaming {
            url.streaming = s;
        }
        url.modified_ms = self.clock.now_ms();
        let mut next = (*current).clone();
        next.versions.urls.insert(q.clone(), url.clone());
        self.replace(&current, next, None).await?;
        Ok((q, url))
    }

    /// DeleteFunctionUrlConfig.
    pub async fn delete_url(&self, name: &str, qualifier: Option<&str>) -> Result<()> {
        let _w = self.writes.lock().await;
        let current = self.get_function(name)?;
        let q = url_qualifier(&current, qualifier)?;
        if !current.versions.urls.contains_key(&q) {
            return Err(no_url(name, &q));
        }
        let mut next = (*current).clone();
        next.versions.urls.remove(&q);
        self.replace(&current, next, None).await?;
        Ok(())
    }

    /// ListFunctionUrlConfigs: by qualifier.
    pub fn list_urls(&self, name: &str) -> Result<Vec<(String, FunctionUrl)>> {
        let f = self.get_function(name)?;
        Ok(f.versions.urls.iter().map(|(q, u)| (q.clone(), u.clone())).collect())
    }

    /// The function (as `$LATEST`'s record), qualifier and settings of the URL `id`.
    pub fn url_target(&self, id: &str) -> Option<(Arc<FunctionRecord>, String, FunctionUrl)> {
        let st = self.state();
        st.functions.values().find_map(|f| {
            let (q, url) = f.versions.urls.iter().find(|(_, u)| u.id == id)?;
            Some((f.clone(), q.clone(), url.clone()))
        })
    }
}
