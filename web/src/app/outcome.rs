//! What the page shows under the form for the generation: nothing yet, "Generating…" with the
//! weights' download progress, the code so far and a Stop button, the error, or the result. The action keeps its last result while the next generation runs, so a pending run wins over
//! it; `data-state` on the page (which the browser test waits on) follows the same reading.

use leptos::prelude::*;

use super::Generate;
use super::generated::Generated;
use crate::generation::Live;

/// `data-state` of the page: "idle", "busy", "done" or "error".
pub fn state_name(generate: Generate, busy: Signal<bool>) -> impl Fn() -> &'static str {
    let last = generate.value();
    move || {
        if busy.get() {
            return "busy";
        }
        last.with(|last| match last {
            None => "idle",
            Some(Ok(_)) => "done",
            Some(Err(_)) => "error",
        })
    }
}

#[component]
pub fn Outcome(
    generate: Generate,
    busy: Signal<bool>,
    /// The running generation's code so far, and its Stop.
    live: Live,
    /// Decode again with these first ids (the steps view's choice).
    on_force: Callback<Vec<usize>>,
) -> impl IntoView {
    let last = generate.value();
    move || {
        if busy.get() {
            return view! {
                <p class="status">"Generating… " <StopButton live=live /></p>
                <DownloadProgress live=live />
                <pre class="code partial">
                    <code data-testid="partial-code">{move || live.code.get()}</code>
                </pre>
            }
            .into_any();
        }
        match last.get() {
            None => ().into_any(),
            Some(Err(message)) => {
                view! { <p class="error" data-testid="error" role="alert">{message}</p> }.into_any()
            }
            Some(Ok(output)) => view! { <Generated output=output on_force=on_force /> }.into_any(),
        }
    }
}

/// Ends the running generation where it is (its code so far becomes the result).
#[component]
pub fn StopButton(live: Live) -> impl IntoView {
    view! {
        <button
            type="button"
            data-testid="stop"
            disabled=move || live.stop.get()
            on:click=move |_| live.request_stop()
        >
            "Stop"
        </button>
    }
}

/// The weights' download while they load: bytes of the total the checkpoint's manifest states.
#[component]
fn DownloadProgress(live: Live) -> impl IntoView {
    move || {
        let progress = live.progress.get()?;
        if progress.total == 0 || live.code.with(|c| !c.is_empty()) {
            return None;
        }
        Some(view! {
            <p class="status" data-testid="download">
                <label>
                    "Loading the weights: "
                    <progress
                        data-testid="download-progress"
                        max=progress.total.to_string()
                        value=progress.loaded.to_string()
                    ></progress>
                    {format!(" {}", progress.text())}
                </label>
            </p>
        })
    }
}
