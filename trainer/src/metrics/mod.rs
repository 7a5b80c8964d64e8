//! Evaluation metrics over token sequences: pure functions, no model or tensor in sight.
//!
//! The inputs are CodeSearchNet-style code tokens (the `model::tokenizer` layout markers removed):
//!
//! * [`corpus_bleu`]: corpus-level smoothed BLEU-4, exactly CodeXGLUE's text-to-code `compute_bleu`.
//! * [`seed_bleu`]: the reference design's BLEU (nltk `corpus_bleu`, `method1` smoothing).
//! * [`token_accuracy`], [`exact_match`]: the other two columns of the reference design's table.
//! * [`SyntaxChecker`]: does the detokenized output parse as Python (tree-sitter)?
//! * [`repetition_rate`], [`brackets_balanced`]: the shape of typical decoder failures.
//! * [`attention_spread`]: how widely an attention model looks over the description.
//! * [`evaluate`]: all of the above over a test set, as one serializable [`EvalSummary`], with BLEU
//!   per docstring-length bucket.

pub mod accuracy;
pub mod bleu;
pub mod report;
pub mod shape;
pub mod spread;
pub mod syntax;

pub use accuracy::{exact_match, token_accuracy};
pub use bleu::{BleuScore, corpus_bleu, seed_bleu};
pub use report::{EvalSummary, Example, LengthBucket, bucket_label, evaluate};
pub use shape::{brackets_balanced, repetition_rate};
pub use spread::attention_spread;
pub use syntax::SyntaxChecker;
