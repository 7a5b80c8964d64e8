//! "Clear cached models": deletes the checkpoint files the page keeps in the browser's cache
//! (`weight_cache`), so the next generation of each model downloads its weights again. Models
//! already loaded stay in the worker's memory until the page is reloaded.

use leptos::prelude::*;

use crate::weight_cache;

#[component]
pub fn CacheControl(busy: Signal<bool>) -> impl IntoView {
    let clear = Action::new_local(|_: &()| async {
        match weight_cache::clear().await {
            Ok(true) => {
                "Cached models cleared: after a reload, each model downloads its weights again."
                    .into()
            }
            Ok(false) => "No models were cached.".to_string(),
            Err(e) => format!("The cache could not be cleared: {e}"),
        }
    });
    let said = clear.value();
    view! {
        <p class="hint cache-control">
            "Models' weights are kept in this browser's cache after their first download. "
            <button
                type="button"
                data-testid="clear-cache"
                disabled=move || busy.get() || clear.pending().get()
                on:click=move |_| {
                    clear.dispatch_local(());
                }
            >
                "Clear cached models"
            </button>
            " "
            <span data-testid="cache-status" role="status">
                {move || said.get()}
            </span>
        </p>
    }
}
