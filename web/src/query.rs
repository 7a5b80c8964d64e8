//! The page's URL state:
//! `?q=<description>&model=<rnn|lstm|attention|copy>&beam=<k>&backend=<webgpu|cpu>&unk=replace`
//! prefills the form, and a `q` makes the page generate on load.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use crate::site::SiteModel;

/// The model the page starts with when the URL names none: the shipped model with the best strict
/// BLEU on the test split (docs/results; the trainer's main job shows the same one first).
pub const DEFAULT_MODEL: SiteModel = SiteModel::Transformer;
/// The largest beam width offered.
pub const MAX_BEAM: usize = 10;

/// The backend the user asked for: `Auto` is WebGPU when the browser has it, the CPU otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    #[default]
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [Self::Auto, Self::WebGpu, Self::Cpu];

    /// The URL and `<select>` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::WebGpu => "webgpu",
            Self::Cpu => "cpu",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "Auto",
            Self::WebGpu => "WebGPU",
            Self::Cpu => "CPU",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// What the URL asks for; unknown or invalid values are ignored, each with a line in `ignored`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub description: Option<String>,
    pub model: SiteModel,
    pub beam: usize,
    pub backend: BackendChoice,
    /// `unk=replace`: replace each `<unk>` by the description word it attends to.
    pub replace_unk: bool,
    /// What the page says about each value it could not use (shown as text, never as markup).
    pub ignored: Vec<String>,
}

impl Query {
    /// From the decoded `(key, value)` pairs of a query string.
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut query = Query {
            description: None,
            model: DEFAULT_MODEL,
            beam: 1,
            backend: BackendChoice::Auto,
            replace_unk: false,
            ignored: Vec::new(),
        };
        for (key, value) in pairs {
            let value: String = value.into();
            let shown = shown(&value);
            let problem = match key.as_ref() {
                "q" => {
                    if !value.trim().is_empty() {
                        query.description = Some(value);
                    }
                    None
                }
                "model" => match SiteModel::parse(&value) {
                    Some(model) => {
                        query.model = model;
                        None
                    }
                    None => Some(format!(
                        "model={shown} is not a model here ({}); showing {}.",
                        SiteModel::ALL.map(|m| m.name()).join(", "),
                        query.model.name()
                    )),
                },
                "beam" => match parse_beam(&value) {
                    Some(beam) => {
                        query.beam = beam;
                        None
                    }
                    None => Some(format!(
                        "beam={shown}: the beam width is a whole number from 1 to {MAX_BEAM}; using {}.",
                        query.beam
                    )),
                },
                "backend" => match BackendChoice::parse(&value) {
                    Some(backend) => {
                        query.backend = backend;
                        None
                    }
                    None => Some(format!(
                        "backend={shown} is not auto, webgpu or cpu; using {}.",
                        query.backend.name()
                    )),
                },
                "unk" => {
                    query.replace_unk = value == UNK_REPLACE;
                    (!query.replace_unk)
                        .then(|| format!("unk={shown}: only unk={UNK_REPLACE} is known; ignored."))
                }
                _ => None,
            };
            query.ignored.extend(problem);
        }
        query
    }
}

/// A value as a notice quotes it: at most 40 characters.
fn shown(value: &str) -> String {
    match value.chars().count() > 40 {
        true => format!("{}…", value.chars().take(40).collect::<String>()),
        false => value.to_string(),
    }
}

/// The value of `unk` that turns `<unk>` replacement on.
const UNK_REPLACE: &str = "replace";

/// A beam width in `1..=MAX_BEAM`.
pub fn parse_beam(text: &str) -> Option<usize> {
    text.trim()
        .parse()
        .ok()
        .filter(|b| (1..=MAX_BEAM).contains(b))
}

/// The query of the page's URL.
#[cfg(target_arch = "wasm32")]
pub fn from_location() -> Query {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
    let pairs = ["q", "model", "beam", "backend", "unk"]
        .into_iter()
        .filter_map(|key| Some((key, params.as_ref()?.get(key)?)));
    Query::from_pairs(pairs)
}

/// Puts the form's state in the URL (without reloading), so that the page can be shared or reloaded.
/// Defaults are left out, to keep shared links short.
#[cfg(target_arch = "wasm32")]
pub fn replace_location(query: &Query) {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return;
    };
    params.append("q", query.description.as_deref().unwrap_or_default());
    params.append("model", query.model.name());
    if query.beam > 1 {
        params.append("beam", &query.beam.to_string());
    }
    if query.backend != BackendChoice::Auto {
        params.append("backend", query.backend.name());
    }
    if query.replace_unk {
        params.append("unk", UNK_REPLACE);
    }
    let url = format!("?{}", String::from(params.to_string()));
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Any query string's (decoded) pairs give a usable query: a known model, a beam in range,
        /// and the description exactly as given, to be shown as text.
        #[test]
        fn any_parameters_give_a_usable_query(
            pairs in proptest::collection::vec(
                (
                    proptest::prop_oneof!["q|model|beam|backend|unk", ".*"],
                    proptest::prop_oneof!["-?[0-9]{1,30}", "rnn|lstm|attention|copy", ".*"],
                ),
                0..8,
            )
        ) {
            let query = Query::from_pairs(pairs.clone());
            proptest::prop_assert!((1..=MAX_BEAM).contains(&query.beam));
            proptest::prop_assert!(SiteModel::ALL.contains(&query.model));
            let last_q = pairs.iter().rev().find(|(k, v)| k == "q" && !v.trim().is_empty());
            proptest::prop_assert_eq!(query.description.as_deref(), last_q.map(|(_, v)| v.as_str()));
        }
    }

    #[test]
    fn reads_description_model_beam_and_backend() {
        let q = Query::from_pairs([
            ("q", "Return the name."),
            ("model", "rnn"),
            ("beam", "3"),
            ("backend", "cpu"),
        ]);
        assert_eq!(q.description.as_deref(), Some("Return the name."));
        assert_eq!(q.model, SiteModel::Rnn);
        assert_eq!(q.beam, 3);
        assert_eq!(q.backend, BackendChoice::Cpu);
        assert!(!q.replace_unk);
        for choice in BackendChoice::ALL {
            assert_eq!(BackendChoice::parse(choice.name()), Some(choice));
        }
    }

    #[test]
    fn ignores_invalid_values() {
        let q = Query::from_pairs([
            ("q", "  "),
            ("model", "gpt"),
            ("beam", "0"),
            ("backend", "tpu"),
            ("unk", "keep"),
            ("x", "y"),
        ]);
        assert_eq!(
            Query {
                ignored: Vec::new(),
                ..q.clone()
            },
            Query {
                description: None,
                model: DEFAULT_MODEL,
                beam: 1,
                backend: BackendChoice::Auto,
                replace_unk: false,
                ignored: Vec::new(),
            }
        );
        // One line per value that could not be used, quoting it (at most 40 characters).
        assert_eq!(q.ignored.len(), 4, "{:?}", q.ignored);
        assert!(q.ignored[0].starts_with("model=gpt is not a model here ("));
        assert!(q.ignored[0].ends_with("showing transformer."));
        assert_eq!(
            q.ignored[1],
            "beam=0: the beam width is a whole number from 1 to 10; using 1."
        );
        assert!(q.ignored[2].starts_with("backend=tpu is not"));
        assert!(q.ignored[3].starts_with("unk=keep: only unk=replace"));
        let huge = Query::from_pairs([("beam", "1000000000".repeat(10))]);
        assert!(huge.ignored[0].starts_with(&format!("beam={}…:", &"1000000000".repeat(4))));
        assert_eq!(parse_beam("11"), None);
    }

    #[test]
    fn reads_the_copy_model() {
        let q = Query::from_pairs([("q", "Return the name."), ("model", "copy")]);
        assert_eq!(q.model, SiteModel::Copy);
        assert_eq!(q.model.kind(), model::models::ModelKind::Attention);
    }

    #[test]
    fn reads_unk_replacement() {
        assert!(Query::from_pairs([("unk", "replace")]).replace_unk);
        assert!(!Query::from_pairs([("q", "Return the name.")]).replace_unk);
    }
}
