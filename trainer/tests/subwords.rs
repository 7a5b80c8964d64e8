//! The subword tokenizer on the shipped corpus: learned from the reference preset's training split, it
//! round-trips every function of the whole corpus with no `<unk>`, and Hugging Face's `tokenizers`
//! library (what Python's `tokenizers` package runs) reads its `tokenizer.json` and encodes the same
//! ids.

use std::sync::OnceLock;

use model::tokenizer::bpe::WORD_START;
use model::tokenizer::{Subwords, Tokenizer};
use model::vocab::UNK;
use trainer::corpus::preset::{self, Preset};
use trainer::corpus::{Pair, embedded_corpus_path, load_pairs};

fn corpus() -> &'static (Vec<Pair>, Subwords, Subwords) {
    static CORPUS: OnceLock<(Vec<Pair>, Subwords, Subwords)> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let pairs = load_pairs(embedded_corpus_path()).unwrap();
        let train = preset::select(&pairs, Preset::Reference).unwrap().train;
        let (docstring, code) = Subwords::train(
            train.iter().map(|p| p.docstring_tokens.as_slice()),
            train.iter().filter_map(|p| p.layout_tokens.as_deref()),
            4000,
        );
        (pairs, docstring, code)
    })
}

#[test]
fn every_function_of_the_corpus_round_trips_without_unk() {
    let (pairs, docstring, code) = corpus();
    assert_eq!(code.vocab_size(), 4000);
    let mut functions = 0;
    for pair in pairs {
        let Some(layout) = &pair.layout_tokens else {
            continue;
        };
        let encoding = code.encode_words(layout);
        assert!(!encoding.ids.contains(&UNK), "{}", pair.func_name);
        assert_eq!(&code.tokens(&encoding.ids), layout, "{}", pair.func_name);
        let description = docstring.encode_words(&pair.docstring_tokens);
        assert!(!description.ids.contains(&UNK), "{}", pair.func_name);
        functions += 1;
    }
    assert!(functions > 50_000, "{functions} functions");
}

#[test]
fn the_library_reads_the_file_and_encodes_the_same_ids() {
    let (pairs, docstring, code) = corpus();
    let json = String::from_utf8(code.to_files().remove(0)).unwrap();
    let library = tokenizers::Tokenizer::from_bytes(json.as_bytes()).unwrap();
    assert_eq!(library.get_vocab_size(true), code.vocab_size());
    // Every 7th pair of the corpus: both sides, as the words the library is given pre-split.
    for pair in pairs.iter().step_by(7) {
        let sides = [
            (code, pair.layout_tokens.clone().unwrap_or_default()),
            (docstring, pair.docstring_tokens.clone()),
        ];
        for (tokenizer, words) in sides {
            let ours = tokenizer.encode_words(&words);
            let kept = tokenizer.tokens(&ours.ids).len();
            let input: Vec<String> = words[..kept]
                .iter()
                .map(|w| format!("{WORD_START}{w}"))
                .collect();
            let theirs = library.encode(input, false).unwrap();
            let theirs: Vec<usize> = theirs.get_ids().iter().map(|&i| i as usize).collect();
            let n = ours.ids.len();
            assert_eq!(
                ours.ids,
                theirs[..n.min(theirs.len())],
                "{}",
                pair.func_name
            );
        }
    }
}
