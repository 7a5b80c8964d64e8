//! The page's URL state: `?q=<description>&model=<rnn|lstm|attention>&beam=<k>` prefills the form, and
//! a `q` makes the page generate on load.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use model::models::ModelKind;

/// The model the page starts with when the URL names none.
pub const DEFAULT_MODEL: ModelKind = ModelKind::Attention;
/// The largest beam width offered.
pub const MAX_BEAM: usize = 10;

/// What the URL asks for; unknown or invalid values are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub description: Option<String>,
    pub model: ModelKind,
    pub beam: usize,
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
        };
        for (key, value) in pairs {
            let value: String = value.into();
            match key.as_ref() {
                "q" if !value.trim().is_empty() => query.description = Some(value),
                "model" => query.model = value.parse().unwrap_or(query.model),
                "beam" => query.beam = parse_beam(&value).unwrap_or(query.beam),
                _ => {}
            }
        }
        query
    }
}

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
    let pairs = ["q", "model", "beam"]
        .into_iter()
        .filter_map(|key| Some((key, params.as_ref()?.get(key)?)));
    Query::from_pairs(pairs)
}

/// Puts the form's state in the URL (without reloading), so that the page can be shared or reloaded.
#[cfg(target_arch = "wasm32")]
pub fn replace_location(description: &str, model: ModelKind, beam: usize) {
    let Ok(params) = web_sys::UrlSearchParams::new() else {
        return;
    };
    params.append("q", description);
    params.append("model", model.name());
    if beam > 1 {
        params.append("beam", &beam.to_string());
    }
    let url = format!("?{}", String::from(params.to_string()));
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_description_model_and_beam() {
        let q = Query::from_pairs([("q", "Return the name."), ("model", "rnn"), ("beam", "3")]);
        assert_eq!(q.description.as_deref(), Some("Return the name."));
        assert_eq!(q.model, ModelKind::Rnn);
        assert_eq!(q.beam, 3);
    }

    #[test]
    fn ignores_invalid_values() {
        let q = Query::from_pairs([("q", "  "), ("model", "gpt"), ("beam", "0"), ("x", "y")]);
        assert_eq!(
            q,
            Query {
                description: None,
                model: DEFAULT_MODEL,
                beam: 1
            }
        );
        assert_eq!(parse_beam("11"), None);
    }
}
