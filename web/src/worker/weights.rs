//! The worker's checkpoints: fetched from the site (`checkpoints/<name>/...`, one folder per
//! [`SiteModel`]) or read from the browser's cache, then kept in memory on the worker's device.
//!
//! `config.json` always comes from the site (it is small, and its manifest says which files, of
//! what size and hash, make the checkpoint); every other file comes from the cache when it holds
//! that exact file, and from the network otherwise (then it is cached). Progress is reported in
//! bytes of the manifest's total.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use model::burn::prelude::Device;
use model::checkpoint::manifest::{FileEntry, total_bytes};
use model::checkpoint::{CONFIG_FILE, Checkpoint, CheckpointFiles};

use crate::fetch;
use crate::protocol::{Progress, Weights};
use crate::site::SiteModel;
use crate::weight_cache::WeightCache;

thread_local! {
    static LOADED: RefCell<HashMap<SiteModel, Rc<Checkpoint>>> = RefCell::new(HashMap::new());
}

/// The checkpoint on `device`: from memory, or loaded and checked (its `config.json` must declare
/// the entry's model kind), with where its files came from. Failures are not kept (a later call
/// tries again) and read as a sentence for the page.
pub async fn load(
    model: SiteModel,
    device: &Device,
    progress: impl FnMut(Progress),
) -> Result<(Rc<Checkpoint>, Weights), String> {
    if let Some(checkpoint) = LOADED.with(|l| l.borrow().get(&model).cloned()) {
        return Ok((checkpoint, Weights::InMemory));
    }
    let dir = model.folder();
    let missing = |e: String| {
        format!(
            "No usable {model} weights on this site ({e}). The other models still work; to add this one, \
             copy a trained checkpoint folder to {dir} (see web/README.md)."
        )
    };
    let (files, fetched) = fetch_files(&dir, progress).await.map_err(missing)?;
    // Loading checks every file against the manifest; only then are the downloaded ones cached.
    let checkpoint = Checkpoint::from_files(&files, Some(model.kind()), device)
        .map_err(|e| format!("The {model} checkpoint at {dir} is corrupt or incompatible: {e}"))?;
    let weights = fetched.keep(&files).await;
    let checkpoint = Rc::new(checkpoint);
    LOADED.with(|l| l.borrow_mut().insert(model, checkpoint.clone()));
    Ok((checkpoint, weights))
}

/// Where a checkpoint's files came from, with the downloaded ones still to be cached.
struct Fetched {
    cache: WeightCache,
    /// Each downloaded file the manifest states, with its URL.
    downloads: Vec<(String, FileEntry)>,
    downloaded: u64,
    cached: u64,
}

impl Fetched {
    /// Caches the downloaded `files` (checked by the loader) and says where they all came from.
    async fn keep(mut self, files: &CheckpointFiles) -> Weights {
        for (url, entry) in &self.downloads {
            if let Ok(contents) = files.get(&entry.file) {
                self.cache.put(url, entry, contents).await;
            }
        }
        Weights::Loaded {
            downloaded: self.downloaded,
            cached: self.cached,
            not_cached: self.cache.missing(),
        }
    }
}

/// `config.json` of the checkpoint in `dir`, then every file it names, each once (both sides of a
/// subword checkpoint name the same `tokenizer.json`): from the cache when it holds that file,
/// else from the site.
async fn fetch_files(
    dir: &str,
    mut progress: impl FnMut(Progress),
) -> Result<(CheckpointFiles, Fetched), String> {
    let mut files = CheckpointFiles::default();
    files.set(
        CONFIG_FILE,
        fetch::bytes(&format!("{dir}{CONFIG_FILE}")).await?,
    );
    let config = files.config().map_err(|e| format!("{dir}{e}"))?;
    let cache = WeightCache::open().await;
    let mut done = Progress {
        loaded: 0,
        total: total_bytes(&config.manifest),
    };
    let mut downloads = Vec::new();
    let (mut downloaded, mut cached) = (0, 0);
    for name in config.files() {
        if files.get(name).is_ok() {
            continue;
        }
        let url = format!("{dir}{name}");
        let entry = config.manifest.iter().find(|e| e.file == name);
        let contents = match entry {
            Some(entry) => match cache.get(&url, entry).await {
                Some(contents) => {
                    cached += contents.len() as u64;
                    contents
                }
                None => {
                    let contents = download(&url, done, &mut progress).await?;
                    downloaded += contents.len() as u64;
                    downloads.push((url, entry.clone()));
                    contents
                }
            },
            // A checkpoint written before manifests: nothing to check a cached copy against.
            None => {
                let contents = download(&url, done, &mut progress).await?;
                downloaded += contents.len() as u64;
                contents
            }
        };
        done.loaded += contents.len() as u64;
        progress(done);
        files.set(name, contents);
    }
    let fetched = Fetched {
        cache,
        downloads,
        downloaded,
        cached,
    };
    Ok((files, fetched))
}

/// One file from the site, reporting its bytes on top of the `done` ones.
async fn download(
    url: &str,
    done: Progress,
    progress: &mut impl FnMut(Progress),
) -> Result<Vec<u8>, String> {
    let response = fetch::response(url).await?;
    fetch::body(&response, |loaded| {
        progress(Progress {
            loaded: done.loaded + loaded,
            ..done
        })
    })
    .await
    .map_err(|e| format!("{url}: {e}"))
}
