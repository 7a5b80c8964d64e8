//! The syntax rules on real code: every function of the embedded corpus (all valid Python) passes
//! them to its end, as word tokens and as subword pieces, so masking never takes away a way to
//! write ordinary code.

use model::syntax::{Piece, PythonSyntax};
use model::tokenizer::{Subwords, Tokenizer};
use model::vocab::{EOS, SPECIALS};
use trainer::corpus::preset::{self, Preset};
use trainer::corpus::{Pair, embedded_corpus_path, load_pairs};

/// A function's ids, the rules for its vocabulary and one label per id.
type Encoded = (PythonSyntax, Vec<usize>, Vec<String>);

/// The functions the rules reject, each with the ids before the rejected one and that one.
fn rejections(pairs: &[Pair], encode: impl Fn(&[String]) -> Encoded) -> Vec<String> {
    let mut rejected = Vec::new();
    for pair in pairs {
        let Some(layout) = &pair.layout_tokens else {
            continue;
        };
        let (syntax, mut ids, mut labels) = encode(layout);
        ids.push(EOS);
        labels.push("<eos>".into());
        if let Some(i) = syntax.first_forbidden(&ids) {
            let before = labels[i.saturating_sub(12)..i].join(" ");
            let name = &pair.func_name;
            rejected.push(format!("{name}: {before} [{}]", labels[i]));
        }
    }
    rejected
}

#[test]
fn every_function_of_the_corpus_passes_the_rules_as_words_and_as_subwords() {
    let pairs = load_pairs(embedded_corpus_path()).unwrap();
    let words = rejections(&pairs, |layout| {
        let mut tokens: Vec<&str> = SPECIALS.to_vec();
        let ids = layout
            .iter()
            .map(|t| match tokens.iter().position(|x| x == t) {
                Some(id) => id,
                None => {
                    tokens.push(t);
                    tokens.len() - 1
                }
            })
            .collect();
        let pieces = tokens.iter().map(|t| Piece::of_token(t)).collect();
        let syntax = PythonSyntax::new(pieces).for_real_code();
        (syntax, ids, layout.to_vec())
    });
    eprintln!("{} functions rejected as words", words.len());
    for r in words.iter().take(40) {
        eprintln!("  {r}");
    }
    let train = preset::select(&pairs, Preset::Reference).unwrap().train;
    let (_, code) = Subwords::train(
        train.iter().map(|p| p.docstring_tokens.as_slice()),
        train.iter().filter_map(|p| p.layout_tokens.as_deref()),
        4000,
    );
    let syntax = PythonSyntax::new(code.syntax_pieces()).for_real_code();
    let subwords = rejections(&pairs, |layout| {
        let ids = code.encode_words(layout).ids;
        let labels = code.pieces(&ids);
        (syntax.clone(), ids, labels)
    });
    eprintln!("{} functions rejected as subwords", subwords.len());
    for r in subwords.iter().take(40) {
        eprintln!("  {r}");
    }
    assert!(words.is_empty() && subwords.is_empty());
}
