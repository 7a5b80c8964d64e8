//! One generation's result: the highlighted code, the notices that qualify it (truncated input, an
//! unfinished decode, a backend fallback), the timing (whose `data-*` attributes the browser test
//! reads), for a retrieval model the function it read beside the output, the steps with their
//! alternatives (greedy decoding), and for the attention models the heatmap (with p_gen for the
//! copy models).

use leptos::prelude::*;
use model::copied::Origin;
use model::tokenizer::{MAX_SRC_LEN, MAX_SRC_PIECES};

use super::neighbour::RetrievedFunction;
use super::steps::Steps;
use crate::generation::Output;
use crate::heatmap::HeadsHeatmap;
use crate::highlight::highlight_copied;
use crate::protocol::Weights;

#[component]
pub fn Generated(
    output: Output,
    /// Decode again with these first ids (a choice in the steps view).
    on_force: Callback<Vec<usize>>,
) -> impl IntoView {
    let t = output.timing;
    let (downloaded, cached) = match &output.weights {
        Weights::InMemory => (0, 0),
        Weights::Loaded {
            downloaded, cached, ..
        } => (*downloaded, *cached),
    };
    let not_cached = match &output.weights {
        Weights::Loaded {
            downloaded,
            not_cached: Some(why),
            ..
        } if *downloaded > 0 => Some(view! {
            <p class="notice" data-testid="not-cached">
                {format!("The weights are kept in memory only: {why}.")}
            </p>
        }),
        _ => None,
    };
    let spans = highlight_copied(&output.code, output.copied.as_ref())
        .into_iter()
        .map(|(kind, text, origin)| {
            let class = match origin {
                Some(Origin::Neighbour) => format!("{} from-neighbour", kind.class()),
                Some(Origin::Description) => format!("{} from-description", kind.class()),
                None => kind.class().to_string(),
            };
            view! { <span class=class>{text.to_string()}</span> }
        })
        .collect::<Vec<_>>();
    let truncated = output.truncated.then(|| {
        view! {
            <p class="notice" data-testid="truncated-notice">
                {format!(
                    "The description was longer than the model reads ({MAX_SRC_LEN} words, or \
                     {MAX_SRC_PIECES} subword pieces): only its beginning was used.",
                )}
            </p>
        }
    });
    let unfinished = (output.stopped || !output.finished).then(|| {
        let text = if output.stopped {
            "Stopped: this is the best code the search had so far."
        } else if output.cut {
            "The model did not finish within the length limit: its code is cut back to the last point where the function was complete."
        } else {
            "The model did not finish (no <eos> within the length limit)."
        };
        view! { <p class="notice" data-testid="unfinished-notice">{text}</p> }
    });
    let backend_notice = output
        .notice
        .map(|notice| view! { <p class="notice" data-testid="backend-notice">{notice}</p> });
    let backend = output.backend.label();
    let empty = output
        .code
        .is_empty()
        .then(|| view! { <p class="notice">"The model generated no code."</p> });
    let p_gen_hint = output.p_gen.is_some().then_some(
        " The last column, p_gen, is the probability that the token was generated from the vocabulary; \
         the rest (1 − p_gen) was copied from the description tokens its row attends to.",
    );
    let legend = output.copied.as_ref().map(|view| {
        let neighbour = output.neighbour.is_some();
        view! {
            <p class="hint" data-testid="copied-legend" data-copied=view.copied().to_string()>
                <span class="from-description">"underlined"</span>
                ": copied from the description"
                {neighbour.then_some("; ")}
                {neighbour.then(|| view! { <span class="from-neighbour">"shaded"</span> })}
                {neighbour.then_some(": copied from the retrieved function")}
                " (where copying gave the token most of its probability)."
            </p>
        }
    });
    let forced_notice = (output.forced > 0).then(|| {
        view! {
            <p class="notice" data-testid="forced-notice">
                {format!(
                    "The first {} tokens were chosen in the steps view; the model wrote the rest. \
                     Generate starts over.",
                    output.forced
                )}
            </p>
        }
    });
    let steps = output.alternatives.map(|alternatives| {
        view! {
            <Steps
                rows=output.rows.clone()
                ids=output.ids
                confidence=output.confidence
                alternatives=alternatives
                forced=output.forced
                on_force=on_force
            />
        }
    });
    let neighbour = output
        .neighbour
        .map(|neighbour| view! { <RetrievedFunction neighbour=neighbour /> });
    let heatmap = output.attention.map(|weights| {
        view! {
            <h2>"Attention"</h2>
            <p class="hint" data-testid="attention-hint">
                "Hover a generated token (row) to see the source tokens it attended to, or a source token \
                 (column) to see the generated tokens that attended to it."
                {p_gen_hint}
                " Attention shows where the model looked, not why it wrote a token: it is not an \
                 explanation."
            </p>
            <HeadsHeatmap
                rows=output.rows
                cols=output.src_tokens
                weights=weights
                heads=output.heads
                p_gen=output.p_gen
            />
        }
    });
    view! {
        <section class="result">
            {truncated}
            {backend_notice}
            {not_cached}
            {forced_notice}
            <div class="outputs">
                <pre class="code"><code data-testid="generated-code">{spans}</code></pre>
                {neighbour}
            </div>
            {legend}
            {empty}
            {unfinished}
            <p
                class="timing"
                data-testid="timing"
                data-backend=backend
                data-total-ms=format!("{:.2}", t.total_ms)
                data-load-ms=format!("{:.2}", t.load_ms)
                data-decode-ms=format!("{:.2}", t.decode_ms)
                data-steps=t.steps.to_string()
                data-ms-per-token=format!("{:.3}", t.ms_per_token())
                data-since-page-load-ms=format!("{:.2}", t.since_page_load_ms)
                data-weights=output.weights.source()
                data-downloaded-bytes=downloaded.to_string()
                data-cached-bytes=cached.to_string()
            >
                {format!(
                    "{} · {:.0} ms (weights {:.0} ms: {}, decoding {:.0} ms for {} tokens, {:.2} ms/token) · backend: {backend}",
                    output.model.label(),
                    t.total_ms,
                    t.load_ms,
                    output.weights.text(),
                    t.decode_ms,
                    t.steps,
                    t.ms_per_token(),
                )}
            </p>
            {steps}
            {heatmap}
        </section>
    }
}
