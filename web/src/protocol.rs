//! What the page and its model worker (`worker/`) say to each other, as JSON text in `postMessage`:
//! the page asks for generations and stops them; the worker says when it is ready, how far the
//! weights' download is, the code so far, and each result. The model runs in the worker so that a
//! long decode never blocks the page; these types are all either side knows of the other.
//!
//! Native too, so that the encoding is unit-tested.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use model::copied::CodeView;
use model::generate::Alternative;
use model::heads::AttentionHeads;
use serde::{Deserialize, Serialize};

use crate::site::SiteModel;

/// A build of the worker: the CPU one (burn's `flex` backend, the small default download) or the
/// WebGPU one (`webgpu` feature, ~9x larger), which the page loads only when it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl Backend {
    /// What the page shows (and its test reads).
    pub fn label(self) -> &'static str {
        match self {
            Backend::WebGpu => "WebGPU",
            Backend::Cpu => "CPU (wasm)",
        }
    }

    /// The worker's script on the site (trunk's loader shim for the `worker` or `worker-gpu` binary).
    pub fn script(self) -> &'static str {
        match self {
            Backend::WebGpu => "worker-gpu_loader.js",
            Backend::Cpu => "worker_loader.js",
        }
    }
}

/// One generation the page asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub model: SiteModel,
    pub description: String,
    pub beam: usize,
    /// Replace each `<unk>` by the description word it attends to (the page sends it only for
    /// models it applies to).
    pub replace_unk: bool,
    /// The first ids, chosen in the steps view instead of by the model (empty for Generate).
    pub forced: Vec<usize>,
}

/// Page to worker. `id` names a generation in the replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToWorker {
    Generate {
        id: u32,
        job: Job,
    },
    /// End generation `id` where it is (it is still answered, with the code so far), or drop it if
    /// it has not started.
    Stop {
        id: u32,
    },
}

/// Worker to page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromWorker {
    /// Set up and listening: a WebGPU worker once its device has run a warm-up computation, with
    /// the adapter's description.
    Ready {
        backend: Backend,
        adapter: Option<String>,
    },
    /// A WebGPU worker whose device could not be set up, and why.
    Unavailable {
        reason: String,
    },
    /// The weights of generation `id` arriving.
    Progress {
        id: u32,
        progress: Progress,
    },
    /// The code of generation `id` so far (greedy: the one hypothesis; beam: the best).
    Partial {
        id: u32,
        code: String,
    },
    Done {
        id: u32,
        output: Box<Output>,
    },
    Failed {
        id: u32,
        failure: Failure,
    },
}

/// The bytes of a model's files so far, against their total from the checkpoint's manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    pub loaded: u64,
    pub total: u64,
}

impl Progress {
    /// "3.2 MB of 11.4 MB"
    pub fn text(self) -> String {
        format!("{} of {}", megabytes(self.loaded), megabytes(self.total))
    }
}

/// "11.4 MB"
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Why a generation failed: the input or the weights (a sentence for the page), or the device
/// (the page then retries on the CPU).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Failure {
    Page(String),
    Device(String),
}

impl Failure {
    pub fn message(self) -> String {
        match self {
            Failure::Page(message) => message,
            Failure::Device(e) => format!("Decoding failed on the device: {e}"),
        }
    }
}

/// What the page shows for a generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub model: SiteModel,
    /// Where it ran, and why not on WebGPU when that was asked for.
    pub backend: Backend,
    pub notice: Option<String>,
    pub code: String,
    /// Copy models: the code with each token marked by the source it was copied from.
    pub copied: Option<CodeView>,
    /// Heatmap columns: the source tokens with `<sos>`/`<eos>`.
    pub src_tokens: Vec<String>,
    /// Heatmap rows: the generated tokens, with `<eos>` when decoding finished.
    pub rows: Vec<String>,
    pub attention: Option<Vec<Vec<f32>>>,
    /// Models with several attention layers and heads (the Transformer): each one's weights, for the
    /// heatmap's picker (`attention` is the last layer's mean).
    pub heads: Option<AttentionHeads>,
    /// Copy models: per heatmap row, the probability that the token was generated from the vocabulary
    /// rather than copied from the description.
    pub p_gen: Option<Vec<f32>>,
    /// Retrieval models: the training function read beside the description (its pieces are the
    /// heatmap's columns after the description's), with the tokens the output copied from it.
    pub neighbour: Option<Neighbour>,
    pub truncated: bool,
    pub finished: bool,
    /// It reached the length limit and was cut back to where the function could end.
    pub cut: bool,
    /// The user stopped it (Stop, or a new Generate) while it ran.
    pub stopped: bool,
    /// The generated ids (without `<eos>`): what a re-decode from one of them forces.
    pub ids: Vec<usize>,
    /// How many of the first ids were chosen by the user, not the model.
    pub forced: usize,
    /// Per row: the probability the model gave the token it wrote.
    pub confidence: Vec<f32>,
    /// Greedy decoding: per row, the most probable tokens the rules allowed there.
    pub alternatives: Option<Vec<Vec<Alternative>>>,
    /// Where the weights came from this time.
    pub weights: Weights,
    pub timing: Timing,
}

/// The training function a retrieval model read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub name: String,
    pub package: String,
    /// Its BM25 score for the description.
    pub score: f64,
    pub view: CodeView,
}

/// Where a generation's weights came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weights {
    /// Loaded by an earlier generation of this worker.
    InMemory,
    /// Read now: `downloaded` bytes from the site, `cached` from the browser's cache, and why
    /// nothing could be cached, if so (no Cache API here, the quota).
    Loaded {
        downloaded: u64,
        cached: u64,
        not_cached: Option<String>,
    },
}

impl Weights {
    /// For the page's `data-weights`: "memory", "network" (when anything was downloaded) or
    /// "cache".
    pub fn source(&self) -> &'static str {
        match self {
            Weights::InMemory => "memory",
            Weights::Loaded { downloaded: 0, .. } => "cache",
            Weights::Loaded { .. } => "network",
        }
    }

    /// For the timing line: "weights in memory", "11.4 MB downloaded", "11.4 MB from the cache".
    pub fn text(&self) -> String {
        match self {
            Weights::InMemory => "weights in memory".into(),
            Weights::Loaded {
                downloaded, cached, ..
            } => match (downloaded, cached) {
                (0, cached) => format!("{} from the cache", megabytes(*cached)),
                (downloaded, 0) => format!("{} downloaded", megabytes(*downloaded)),
                (downloaded, cached) => format!(
                    "{} downloaded, {} from the cache",
                    megabytes(*downloaded),
                    megabytes(*cached)
                ),
            },
        }
    }
}

/// Milliseconds, measured with `performance.now()`: the worker measures loading and decoding, the
/// page the rest.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Timing {
    /// From the click (or page start) to the result: starting the worker and loading the weights
    /// included.
    pub total_ms: f64,
    /// Loading the checkpoint (0 when it was already in memory).
    pub load_ms: f64,
    /// Encoding and decoding.
    pub decode_ms: f64,
    /// Decoder steps (generated tokens, `<eos>` included).
    pub steps: usize,
    /// Since the page started loading: for the first result, the time to first result.
    pub since_page_load_ms: f64,
}

impl Timing {
    pub fn ms_per_token(&self) -> f64 {
        self.decode_ms / self.steps.max(1) as f64
    }
}

/// `value` as the JSON a message carries.
pub fn encode<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("messages are plain data")
}

/// A message back from its JSON; the error names what was wrong with it.
pub fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("unreadable message ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::copied::{Origin, ViewToken};

    fn output() -> Output {
        Output {
            model: SiteModel::Transformer,
            backend: Backend::Cpu,
            notice: None,
            code: "def get_name(self):\n    return self.name\n".into(),
            copied: Some(CodeView {
                code: "def get_name".into(),
                tokens: vec![ViewToken {
                    range: 4..12,
                    copied: Some(Origin::Description),
                    read: true,
                }],
            }),
            src_tokens: vec!["<sos>".into(), "name".into(), "<eos>".into()],
            rows: vec!["def".into(), "<eos>".into()],
            attention: Some(vec![vec![0.25, 0.5, 0.25], vec![1.0, 0.0, 0.0]]),
            heads: Some(AttentionHeads {
                layers: 1,
                heads: 1,
                rows: 2,
                cols: 3,
                weights: vec![0.25, 0.5, 0.25, 1.0, 0.0, 0.0],
            }),
            p_gen: Some(vec![0.9, 0.1]),
            neighbour: None,
            truncated: false,
            finished: true,
            cut: false,
            stopped: false,
            ids: vec![7],
            forced: 0,
            confidence: vec![0.8, 0.7],
            alternatives: Some(vec![vec![Alternative {
                id: 7,
                piece: "def".into(),
                probability: 0.8,
            }]]),
            weights: Weights::Loaded {
                downloaded: 1_200_000,
                cached: 0,
                not_cached: None,
            },
            timing: Timing {
                load_ms: 12.5,
                decode_ms: 30.0,
                steps: 2,
                ..Timing::default()
            },
        }
    }

    #[test]
    fn every_message_reads_back_as_sent() {
        let job = Job {
            model: SiteModel::Copy,
            description: "Return the \"name\".\n".into(),
            beam: 3,
            replace_unk: false,
            forced: vec![4, 5],
        };
        for message in [
            ToWorker::Generate { id: 1, job },
            ToWorker::Stop { id: u32::MAX },
        ] {
            assert_eq!(decode::<ToWorker>(&encode(&message)), Ok(message));
        }
        let replies = [
            FromWorker::Ready {
                backend: Backend::WebGpu,
                adapter: Some("google swiftshader".into()),
            },
            FromWorker::Unavailable {
                reason: "no adapter".into(),
            },
            FromWorker::Progress {
                id: 2,
                progress: Progress {
                    loaded: 10,
                    total: 20,
                },
            },
            FromWorker::Partial {
                id: 2,
                code: "def".into(),
            },
            FromWorker::Done {
                id: 2,
                output: Box::new(output()),
            },
            FromWorker::Failed {
                id: 3,
                failure: Failure::Device("lost".into()),
            },
        ];
        for reply in replies {
            assert_eq!(decode::<FromWorker>(&encode(&reply)), Ok(reply));
        }
    }

    #[test]
    fn a_bad_message_is_an_error_not_a_panic() {
        let error = decode::<ToWorker>("{\"Generate\":{\"id\":1}}").unwrap_err();
        assert!(error.contains("job"), "{error}");
        assert!(decode::<FromWorker>("not json").is_err());
    }

    #[test]
    fn the_weights_line_says_where_they_came_from() {
        assert_eq!(Weights::InMemory.text(), "weights in memory");
        assert_eq!(Weights::InMemory.source(), "memory");
        let loaded = |downloaded, cached| Weights::Loaded {
            downloaded,
            cached,
            not_cached: None,
        };
        assert_eq!(loaded(11_400_000, 0).text(), "11.4 MB downloaded");
        assert_eq!(loaded(11_400_000, 0).source(), "network");
        assert_eq!(loaded(0, 2_000_000).source(), "cache");
        assert_eq!(loaded(1, 2_000_000).source(), "network");
        assert_eq!(loaded(0, 2_000_000).text(), "2.0 MB from the cache");
        assert_eq!(
            loaded(1_000_000, 2_000_000).text(),
            "1.0 MB downloaded, 2.0 MB from the cache"
        );
        let progress = Progress {
            loaded: 3_200_000,
            total: 11_400_000,
        };
        assert_eq!(progress.text(), "3.2 MB of 11.4 MB");
    }
}
