//! The line under the picker that says what the picked model is (how it was trained, how it scores),
//! fetched from its card each time another model is picked.

use leptos::prelude::*;
use model::checkpoint::{CONFIG_FILE, Card, CheckpointConfig};

use crate::fetch;
use crate::site::SiteModel;

#[component]
pub fn ModelAbout(#[prop(into)] model: Signal<SiteModel>) -> impl IntoView {
    // Each answer carries the model it is about: the resource fetches one model at a time, so a
    // model picked during a fetch is fetched after it, and the earlier answer still arrives.
    let about = LocalResource::new(move || {
        let picked = model.get();
        async move { (picked, about(picked).await) }
    });
    // An answer for a model that is no longer picked is dropped, and the line keeps what it said
    // until the picked model's answer arrives.
    let shown = Memo::new(move |previous: Option<&Option<String>>| match about.get() {
        Some((about, text)) if about == model.get_untracked() => text,
        _ => previous.cloned().flatten(),
    });
    view! { <p class="hint" data-testid="model-about">{shown}</p> }
}

/// The sentence about the checkpoint from its card; `None` when the site has none.
async fn about(model: SiteModel) -> Option<String> {
    let dir = model.folder();
    let config = fetch::bytes(&format!("{dir}{CONFIG_FILE}")).await.ok()?;
    let (config, legacy_card) = CheckpointConfig::parse(std::str::from_utf8(&config).ok()?).ok()?;
    let card = match config.card {
        Some(name) => {
            Card::from_json(&fetch::bytes(&format!("{dir}{name}")).await.ok()?, &name).ok()?
        }
        None => legacy_card?,
    };
    crate::about::describe(&card)
}
