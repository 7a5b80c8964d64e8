//! One function, [`evaluate`], that turns a model's test-set outputs into the numbers of the report.

use super::accuracy::{exact_match, token_accuracy};
use super::bleu::{corpus_bleu, seed_bleu};
use super::shape::{REPETITION_ORDER, brackets_balanced, repetition_rate};
use super::syntax::SyntaxChecker;
use model::tokenizer::{detokenize, strip_layout};
use serde::{Deserialize, Serialize};

/// One test example as the evaluation sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Number of docstring (input) tokens, for [`EvalSummary::bleu_by_length`].
    pub docstring_len: usize,
    /// The reference code tokens. Layout markers, if any, are removed before comparing.
    pub reference: Vec<String>,
    /// The model's output in layout form (with `<newline>` / `<indent>` / `<dedent>`), so that it can
    /// be detokenized into source for the syntax check. Other metrics strip the layout first.
    pub hypothesis_layout: Vec<String>,
    /// The reference as the model's target vocabulary spells it (rare tokens `<unk>` for word
    /// vocabularies), for [`EvalSummary::seed_bleu`]; `None`: the reference itself.
    #[serde(default)]
    pub seed_reference: Option<Vec<String>>,
}

/// The summary is part of a checkpoint's card, so its type lives with the card.
pub use model::checkpoint::card::{AttentionSpread, EvalSummary, LengthBucket};

/// Width of a docstring-length bucket, in tokens.
pub const BUCKET_WIDTH: usize = 10;
/// Docstrings are at most this long in the reference design; longer ones share a last `"51+"` bucket,
/// which is listed only when it has examples.
pub const LAST_BUCKET_END: usize = 50;

/// Computes every metric of the report over `examples`.
pub fn evaluate(examples: &[Example]) -> EvalSummary {
    let references: Vec<Vec<String>> = examples
        .iter()
        .map(|e| strip_layout(&e.reference))
        .collect();
    let hypotheses: Vec<Vec<String>> = examples
        .iter()
        .map(|e| strip_layout(&e.hypothesis_layout))
        .collect();
    let pairs = || references.iter().zip(&hypotheses);
    let seed_references: Vec<Vec<String>> = examples
        .iter()
        .zip(&references)
        .map(|(e, r)| {
            e.seed_reference
                .as_deref()
                .map_or_else(|| r.clone(), strip_layout)
        })
        .collect();
    let distinct: std::collections::HashSet<&Vec<String>> = hypotheses.iter().collect();

    let mut checker = SyntaxChecker::new();
    let syntax_valid = examples
        .iter()
        .filter(|e| checker.is_valid(&detokenize(&e.hypothesis_layout)))
        .count();

    EvalSummary {
        n: examples.len(),
        bleu: corpus_bleu(&references, &hypotheses).bleu,
        seed_bleu: Some(seed_bleu(&seed_references, &hypotheses)),
        distinct_outputs: Some(percent(distinct.len(), examples.len())),
        token_accuracy: 100.0 * mean(pairs().map(|(r, h)| token_accuracy(r, h))),
        exact_match: percent(
            pairs().filter(|(r, h)| exact_match(r, h)).count(),
            examples.len(),
        ),
        syntax_valid: percent(syntax_valid, examples.len()),
        mean_length: mean(hypotheses.iter().map(|h| h.len() as f64)),
        reference_mean_length: mean(references.iter().map(|r| r.len() as f64)),
        repetition_rate: mean_repetition(&hypotheses),
        reference_repetition_rate: mean_repetition(&references),
        unbalanced_brackets: percent(
            hypotheses.iter().filter(|h| !brackets_balanced(h)).count(),
            examples.len(),
        ),
        bleu_by_length: bleu_by_length(examples, &references, &hypotheses),
        attention: None,
    }
}

/// The label of the bucket a docstring of `len` tokens falls in: `"1-10"` (0 included), `"11-20"`, ...,
/// `"41-50"`, then `"51+"`.
pub fn bucket_label(len: usize) -> String {
    if len > LAST_BUCKET_END {
        return format!("{}+", LAST_BUCKET_END + 1);
    }
    let start = len.saturating_sub(1) / BUCKET_WIDTH * BUCKET_WIDTH + 1;
    format!("{start}-{}", start + BUCKET_WIDTH - 1)
}

/// Corpus BLEU per docstring-length bucket. All buckets up to [`LAST_BUCKET_END`] are listed, empty
/// or not, so that every model's list has the same buckets in the same order.
fn bleu_by_length(
    examples: &[Example],
    references: &[Vec<String>],
    hypotheses: &[Vec<String>],
) -> Vec<LengthBucket> {
    let mut labels: Vec<String> = (0..LAST_BUCKET_END / BUCKET_WIDTH)
        .map(|i| bucket_label(i * BUCKET_WIDTH + 1))
        .collect();
    if examples.iter().any(|e| e.docstring_len > LAST_BUCKET_END) {
        labels.push(bucket_label(LAST_BUCKET_END + 1));
    }
    labels
        .into_iter()
        .map(|label| {
            let members: Vec<usize> = (0..examples.len())
                .filter(|&i| bucket_label(examples[i].docstring_len) == label)
                .collect();
            let refs: Vec<&Vec<String>> = members.iter().map(|&i| &references[i]).collect();
            let hyps: Vec<&Vec<String>> = members.iter().map(|&i| &hypotheses[i]).collect();
            LengthBucket {
                bucket: label,
                n: members.len(),
                bleu: (!members.is_empty()).then(|| corpus_bleu(&refs, &hyps).bleu),
            }
        })
        .collect()
}

/// Mean seq-rep-4 in percent over the sequences long enough to have a 4-gram.
fn mean_repetition(sequences: &[Vec<String>]) -> f64 {
    100.0
        * mean(
            sequences
                .iter()
                .filter_map(|s| repetition_rate(s, REPETITION_ORDER)),
        )
}

/// Arithmetic mean; 0 for no values, so that an empty test set gives zeros rather than NaN.
pub(super) fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), v| (sum + v, count + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// `part / whole` in percent; 0 for an empty whole.
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}
