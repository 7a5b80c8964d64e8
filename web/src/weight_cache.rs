//! The browser's Cache API as the site's store of checkpoint files: a second visit reads weights
//! from here instead of the network. One cache under a versioned name; each file is kept under its
//! URL with the manifest's SHA-256 appended, so a retrained checkpoint never meets its old files,
//! and every read is checked against the manifest (status, length, hash) before use.

use js_sys::{Reflect, Uint8Array};
use model::checkpoint::manifest::FileEntry;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::fetch::{body, js_message};

/// Bump when the way files are stored changes; "Clear cached models" deletes this cache.
pub const CACHE_NAME: &str = "seq2seq-checkpoints-v1";

/// The open cache, or why there is none (the page then keeps weights in memory only).
pub struct WeightCache {
    cache: Result<web_sys::Cache, String>,
}

impl WeightCache {
    pub async fn open() -> Self {
        Self {
            cache: open().await,
        }
    }

    /// Why nothing is cached, if so.
    pub fn missing(&self) -> Option<String> {
        self.cache.as_ref().err().cloned()
    }

    /// `entry`'s file (at `url`) from the cache, when it is there and is the file the manifest
    /// states; a stored file that is not is deleted.
    pub async fn get(&self, url: &str, entry: &FileEntry) -> Option<Vec<u8>> {
        let cache = self.cache.as_ref().ok()?;
        let key = key(url, entry);
        let found = JsFuture::from(cache.match_with_str(&key)).await.ok()?;
        let response: web_sys::Response = found.dyn_into().ok()?;
        let contents = match response.ok() {
            true => body(&response, |_| ()).await.ok(),
            false => None,
        };
        match contents {
            Some(contents) if entry.check(&contents).is_ok() => Some(contents),
            _ => {
                let _ = JsFuture::from(cache.delete_with_str(&key)).await;
                None
            }
        }
    }

    /// Stores `entry`'s `contents`; when the browser refuses (the quota, no cache), says why and
    /// keeps refusing for the rest of this load.
    pub async fn put(&mut self, url: &str, entry: &FileEntry, contents: &[u8]) {
        let Ok(cache) = &self.cache else {
            return;
        };
        let stored = match web_sys::Response::new_with_opt_buffer_source(Some(&Uint8Array::from(
            contents,
        ))) {
            Ok(response) => JsFuture::from(cache.put_with_str(&key(url, entry), &response))
                .await
                .map(drop),
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            self.cache = Err(format!("the browser refused to store it ({})", refusal(&e)));
        }
    }
}

/// Deletes every cached checkpoint file; `Ok(false)` when there were none.
pub async fn clear() -> Result<bool, String> {
    let caches = caches()?;
    let deleted = JsFuture::from(caches.delete(CACHE_NAME))
        .await
        .map_err(|e| js_message(&e))?;
    Ok(deleted.is_truthy())
}

/// The cache key: the file's URL and its hash.
fn key(url: &str, entry: &FileEntry) -> String {
    format!("{url}?sha256={}", entry.sha256)
}

async fn open() -> Result<web_sys::Cache, String> {
    let opened = JsFuture::from(caches()?.open(CACHE_NAME))
        .await
        .map_err(|e| format!("the cache could not be opened ({})", refusal(&e)))?;
    opened.dyn_into().map_err(|e| js_message(&e))
}

/// `caches` of this global scope: missing outside secure contexts (plain HTTP off localhost).
fn caches() -> Result<web_sys::CacheStorage, String> {
    Reflect::get(&js_sys::global(), &"caches".into())
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| "this browser offers no Cache API here (it needs HTTPS)".to_string())
}

/// A rejection's name and message ("QuotaExceededError: ...").
fn refusal(e: &JsValue) -> String {
    let name = Reflect::get(e, &"name".into())
        .ok()
        .and_then(|n| n.as_string());
    match name {
        Some(name) => format!("{name}: {}", js_message(e)),
        None => js_message(e),
    }
}
