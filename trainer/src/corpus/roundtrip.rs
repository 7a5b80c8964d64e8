//! Does the layout-token form lose anything? For each function: tokens -> detokenized text -> tokens must
//! give the same tokens, and the detokenized text must parse (tree-sitter) to the same tree as the code.
//!
//! Trees are compared as the pre-order sequence of node kinds, with the text of leaves and of whole string
//! literals (string contents are not leaves when they hold escapes); positions and whitespace are ignored,
//! as are `line_continuation` nodes, since a backslash continuation is layout the tokens rightly drop.

use super::extract;
use super::loader::Pair;
use model::tokenizer::{detokenize, layout_tokens};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use tree_sitter::{Parser, Tree};

/// The outcome of one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundTrip {
    Ok,
    /// The code itself does not lex (so it has no layout tokens to round-trip).
    SourceDoesNotLex,
    /// Re-tokenizing the detokenized text gives different tokens (or fails).
    TokensDiffer,
    /// The code itself does not parse with tree-sitter (no tree to compare with).
    SourceDoesNotParse,
    /// The detokenized text does not parse.
    DetokenizedDoesNotParse,
    /// Both parse, to different trees.
    TreeDiffers,
}

impl fmt::Display for RoundTrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoundTrip::Ok => "ok",
            RoundTrip::SourceDoesNotLex => "code does not lex",
            RoundTrip::TokensDiffer => "re-tokenized tokens differ",
            RoundTrip::SourceDoesNotParse => "code does not parse",
            RoundTrip::DetokenizedDoesNotParse => "detokenized text does not parse",
            RoundTrip::TreeDiffers => "trees differ",
        })
    }
}

/// One node of a tree signature: its kind (tree-sitter's kind id), and its text where the text matters.
pub type SignatureNode<'a> = (u16, Option<&'a str>);

/// The signature of a parsed tree, lazily, borrowing the source text.
fn signature<'a>(code: &'a str, tree: &'a Tree) -> impl Iterator<Item = SignatureNode<'a>> + 'a {
    extract::preorder(tree.root_node())
        .filter(|n| !matches!(n.kind(), "line_continuation" | "comment"))
        .map(move |n| {
            let text =
                (n.child_count() == 0 || n.kind() == "string").then(|| &code[n.byte_range()]);
            (n.kind_id(), text)
        })
}

/// The tree of `code` as a sequence of (kind, text) in pre-order; `None` if it does not parse cleanly.
pub fn tree_signature(code: &str) -> Option<Vec<(u16, Option<String>)>> {
    let tree = extract::parse(code)?;
    if tree.root_node().has_error() {
        return None;
    }
    Some(
        signature(code, &tree)
            .map(|(k, t)| (k, t.map(str::to_string)))
            .collect(),
    )
}

fn clean_parse(parser: &mut Parser, code: &str) -> Option<Tree> {
    parser
        .parse(code, None)
        .filter(|t| !t.root_node().has_error())
}

/// Round-trips `code` whose layout tokens are already known, reusing a parser (the cost here is parsing).
pub fn check_with(parser: &mut Parser, code: &str, layout: &[String]) -> RoundTrip {
    let text = detokenize(layout);
    match layout_tokens(&text) {
        Ok(again) if again == layout => {}
        _ => return RoundTrip::TokensDiffer,
    }
    let Some(original) = clean_parse(parser, code) else {
        return RoundTrip::SourceDoesNotParse;
    };
    let Some(again) = clean_parse(parser, &text) else {
        return RoundTrip::DetokenizedDoesNotParse;
    };
    if signature(code, &original).eq(signature(&text, &again)) {
        RoundTrip::Ok
    } else {
        RoundTrip::TreeDiffers
    }
}

/// Round-trips one piece of code (already without docstring and comments).
pub fn check(code: &str) -> RoundTrip {
    match layout_tokens(code) {
        Ok(layout) => check_with(&mut extract::python_parser(), code, &layout),
        Err(_) => RoundTrip::SourceDoesNotLex,
    }
}

/// Round-trip results over a set of pairs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoundTripStats {
    /// Pairs with code (token-only rows cannot be checked).
    pub checked: usize,
    pub ok: usize,
    pub failures: BTreeMap<RoundTrip, usize>,
    /// `repo func_name: outcome` of the first failures, to look into.
    pub examples: Vec<String>,
}

impl RoundTripStats {
    pub fn rate(&self) -> f64 {
        if self.checked == 0 {
            0.0
        } else {
            self.ok as f64 / self.checked as f64
        }
    }
}

/// How many failures are named in [`RoundTripStats::examples`].
pub const MAX_EXAMPLES: usize = 20;

/// Round-trips every pair that has code: the code its layout tokens were computed from (see
/// [`Pair::stripped`]).
pub fn check_pairs(pairs: &[Pair]) -> RoundTripStats {
    let outcomes: Vec<(usize, RoundTrip)> = pairs
        .par_iter()
        .enumerate()
        .map_init(extract::python_parser, |parser, (i, p)| {
            let code = p.code.as_ref()?;
            let target = if p.stripped {
                extract::strip_function(code)
            } else {
                None
            };
            let target = target.as_deref().unwrap_or(code);
            Some(match &p.layout_tokens {
                Some(layout) => (i, check_with(parser, target, layout)),
                None => (i, RoundTrip::SourceDoesNotLex),
            })
        })
        .flatten()
        .collect();
    let mut stats = RoundTripStats::default();
    for (i, outcome) in outcomes {
        stats.checked += 1;
        if outcome == RoundTrip::Ok {
            stats.ok += 1;
            continue;
        }
        *stats.failures.entry(outcome).or_default() += 1;
        if stats.examples.len() < MAX_EXAMPLES {
            stats.examples.push(format!(
                "{} {}: {outcome}",
                pairs[i].repo, pairs[i].func_name
            ));
        }
    }
    stats
}
