//! A retrieval model's neighbour, shown beside the output: the training function it read with the
//! description, the tokens the output copied from it marked (`model::copied` says when a token
//! counts as copied) and the part past the model's reading limit dimmed.

use leptos::prelude::*;

use crate::generation::Neighbour;

#[component]
pub fn RetrievedFunction(neighbour: Neighbour) -> impl IntoView {
    let copied = neighbour.view.copied();
    let runs = neighbour
        .view
        .runs()
        .into_iter()
        .map(|run| {
            let text = run.text.to_string();
            match (run.copied.is_some(), run.read) {
                (true, _) => view! { <mark class="copied">{text}</mark> }.into_any(),
                (false, false) => view! { <span class="unread">{text}</span> }.into_any(),
                (false, true) => view! { <span>{text}</span> }.into_any(),
            }
        })
        .collect_view();
    view! {
        <aside class="neighbour" data-testid="neighbour" data-copied=copied.to_string()>
            <h2>"Retrieved"</h2>
            <p class="hint" data-testid="neighbour-name">
                {format!(
                    "{} ({}), BM25 score {:.2}: the training function whose docstring is closest to \
                     the description. Marked: {copied} tokens the output copied from it; dimmed: what \
                     the model did not read.",
                    neighbour.name,
                    neighbour.package,
                    neighbour.score,
                )}
            </p>
            <pre class="code"><code data-testid="neighbour-code">{runs}</code></pre>
        </aside>
    }
}
