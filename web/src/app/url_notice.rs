//! The notice for the page's URL values that could not be used (an unknown model, a beam of 0): the page
//! opens with the defaults instead and says which values it ignored, so a mistyped shared link still
//! works and explains itself.

use leptos::prelude::*;

/// One line per ignored value, as text (the values come from the URL, so never as markup); nothing when
/// all were used.
#[component]
pub fn UrlNotice(ignored: Vec<String>) -> impl IntoView {
    (!ignored.is_empty()).then(|| {
        view! {
            <div class="notice" data-testid="url-notice">
                {ignored.into_iter().map(|line| view! { <p>{line}</p> }).collect::<Vec<_>>()}
            </div>
        }
    })
}
