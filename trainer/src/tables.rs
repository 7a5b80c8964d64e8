//! Text of the reports: the metric table `eval` prints and the markdown tables of the results folder.

use std::fmt::Write;

use crate::metrics::EvalSummary;

/// The reference design's published results (CodeSearchNet, its own tokenisation): model, BLEU, token
/// accuracy %, exact match %.
pub const REFERENCE_RESULTS: [(&str, f64, f64, f64); 3] = [
    ("Vanilla RNN", 10.87, 18.51, 0.00),
    ("LSTM", 13.60, 18.68, 0.00),
    ("Attention", 21.85, 20.29, 0.00),
];

/// Every metric of one evaluation, one per line.
pub fn summary_table(s: &EvalSummary) -> String {
    let mut out = String::new();
    let rows = [
        ("BLEU-4", format!("{:.2}", s.bleu)),
        (
            "seed BLEU (nltk)",
            s.seed_bleu.map_or("-".into(), |b| format!("{b:.2}")),
        ),
        ("token accuracy", format!("{:.2}%", s.token_accuracy)),
        ("exact match", format!("{:.2}%", s.exact_match)),
        ("syntax valid", format!("{:.2}%", s.syntax_valid)),
        (
            "mean length",
            format!(
                "{:.1} tokens (references {:.1})",
                s.mean_length, s.reference_mean_length
            ),
        ),
        (
            "repetition (seq-rep-4)",
            format!(
                "{:.2}% (references {:.2}%)",
                s.repetition_rate, s.reference_repetition_rate
            ),
        ),
        (
            "unbalanced brackets",
            format!("{:.2}%", s.unbalanced_brackets),
        ),
        (
            "distinct outputs",
            s.distinct_outputs
                .map_or("-".into(), |d| format!("{d:.1}%")),
        ),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "  {name:<24} {value}");
    }
    if let Some(a) = &s.attention {
        let _ = writeln!(
            out,
            "  {:<24} entropy {:.2} nats ({:.2} of uniform), {:.1}% on the last two positions",
            "attention spread", a.mean_entropy, a.normalised_entropy, a.last_two_share
        );
        if let Some(p) = a.mean_p_gen {
            let _ = writeln!(out, "  {:<24} {p:.3}", "mean p_gen");
        }
        if let Some(share) = a.neighbour_share {
            let _ = writeln!(
                out,
                "  {:<24} {share:.2}% of the weight",
                "on the neighbours"
            );
        }
    }
    let buckets: Vec<String> = s
        .bleu_by_length
        .iter()
        .filter(|b| b.n > 0)
        .map(|b| format!("{} {:.1} (n={})", b.bucket, b.bleu.unwrap_or(0.0), b.n))
        .collect();
    let _ = writeln!(
        out,
        "  {:<24} {}",
        "BLEU by docstring length",
        buckets.join(", ")
    );
    out
}

/// A markdown table of models x metrics; `rows` are `(model name, summary)`.
pub fn markdown_table(rows: &[(String, &EvalSummary)]) -> String {
    let mut out = String::from(
        "| Model | BLEU | seed BLEU | Token accuracy | Exact match | Syntax valid | Distinct outputs | Mean length | Repetition | Unbalanced brackets |\n\
         | :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: |\n",
    );
    let or_dash =
        |value: Option<f64>, unit: &str| value.map_or("-".into(), |v| format!("{v:.2}{unit}"));
    for (name, s) in rows {
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {} | {:.2}% | {:.2}% | {:.2}% | {} | {:.1} | {:.2}% | {:.2}% |",
            s.bleu,
            or_dash(s.seed_bleu, ""),
            s.token_accuracy,
            s.exact_match,
            s.syntax_valid,
            or_dash(s.distinct_outputs, "%"),
            s.mean_length,
            s.repetition_rate,
            s.unbalanced_brackets
        );
    }
    out
}

/// The reference's table, labelled as measured on other data.
pub fn reference_table() -> String {
    let mut out = String::from(
        "| Model (reference design, CodeSearchNet, other tokenisation) | BLEU | Token accuracy | Exact match |\n\
         | :-- | --: | --: | --: |\n",
    );
    for (name, bleu, accuracy, exact) in REFERENCE_RESULTS {
        let _ = writeln!(out, "| {name} | {bleu:.2} | {accuracy:.2}% | {exact:.2}% |");
    }
    out
}

/// A fenced code block; backtick runs inside the code cannot close it.
pub fn code_block(code: &str) -> String {
    let mut fence = "```".to_string();
    while code.contains(&fence) {
        fence.push('`');
    }
    format!("{fence}python\n{}\n{fence}\n", code.trim_end())
}
