#![cfg(not(target_arch = "wasm32"))]
//! Property-based fuzzing of everything the library reads from outside: Python source (the lexer),
//! token sequences (the detokenizer), descriptions (the docstring tokenizer), `tokenizer.json` and
//! whole checkpoints (config, card, vocabularies, weights). Inputs are random or real files mutated
//! (truncated, bit-flipped, bytes inserted or cut); each must give a result or an error, never a
//! panic.
//!
//! CI runs proptest's 256 cases per harness (a few seconds); a longer run is
//! `PROPTEST_CASES=20000 cargo test --release -p model --test fuzz`. A failing input is shrunk and
//! saved in `fuzz.proptest-regressions` beside this file, which is kept and replayed first.

use std::path::Path;

use burn::prelude::Device;
use model::checkpoint::{CONFIG_FILE, Checkpoint, CheckpointFiles};
use model::tokenizer::{detokenize, detokenize_spans, docstring_tokens, layout_tokens, lex};
use proptest::prelude::*;

mod fuzz_support;
use fuzz_support::{edits, mutate};

fn repo_file(path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Real Python functions to mutate: the shipped models' recorded outputs are short; these are real
/// code with strings, brackets, decorators and indentation.
const PYTHON_SEEDS: [&str; 3] = [
    "def f(a, b=[1, 2], *args, **kw):\n    \"\"\"Doc.\"\"\"\n    if a:\n        return {'x': (b, 0x1F)}\n    return f'{a!r:>10}'\n",
    "@decorator(1)\nclass A(B):\n    def g(self):\n        s = r'\\d+' \\\n            + u\"é\"\n        return [i for i in range(3) if i]\n",
    "async def h():\n    await x  # comment\n    x = 1.5e-3j; y = ...\n    try:\n        pass\n    except (A, B) as e:\n        raise\n",
];

proptest! {
    #[test]
    fn the_lexer_answers_any_text(text in any::<String>()) {
        let _ = lex(&text);
        let _ = layout_tokens(&text);
    }

    #[test]
    fn the_lexer_answers_mutated_python(seed in 0..PYTHON_SEEDS.len(), edits in edits()) {
        let bytes = mutate(PYTHON_SEEDS[seed].as_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(tokens) = layout_tokens(&text) {
            // What lexes lays out again, and its spans lie inside the laid-out text.
            let (code, spans) = detokenize_spans(&tokens);
            prop_assert_eq!(spans.len(), tokens.len());
            prop_assert!(spans.iter().all(|s| s.start <= s.end && s.end <= code.len()));
        }
    }

    #[test]
    fn the_detokenizer_lays_out_any_tokens(
        tokens in prop::collection::vec(
            prop_oneof![
                Just("<newline>".to_string()),
                Just("<indent>".to_string()),
                Just("<dedent>".to_string()),
                Just("<unk>".to_string()),
                "[()\\[\\]{}:.,=]",
                any::<String>(),
            ],
            0..40,
        )
    ) {
        let text = detokenize(&tokens);
        let (spanned, spans) = detokenize_spans(&tokens);
        prop_assert_eq!(&text, &spanned);
        prop_assert!(spans.iter().all(|s| s.start <= s.end && s.end <= text.len()));
    }

    #[test]
    fn the_docstring_tokenizer_answers_any_text(text in any::<String>()) {
        let tokens = docstring_tokens(&text);
        prop_assert!(tokens.iter().all(|t| !t.is_empty()));
    }

    #[test]
    fn a_mutated_tokenizer_json_loads_or_is_refused(edits in edits()) {
        let files = copy_tokenizer_files();
        let config = files.config().unwrap();
        let bytes = mutate(files.get("tokenizer.json").unwrap(), &edits);
        for side in [&config.tokenizers.source, &config.tokenizers.target] {
            if let Ok(tokenizer) = side.load(&[&bytes]) {
                // A tokenizer that loads can encode and decode.
                let encoding = tokenizer.encode("def f(x):\n    return x.name\n");
                if let Ok(encoding) = encoding {
                    let _ = tokenizer.tokens(&encoding.ids);
                }
            }
        }
    }

    #[test]
    fn a_mutated_checkpoint_loads_or_is_refused(file in 0..4usize, edits in edits()) {
        let mut files = tiny_checkpoint();
        let name = ["config.json", "card.json", "src_vocab.json", "model.bpk"][file];
        let bytes = mutate(files.get(name).unwrap(), &edits);
        files.set(name, bytes);
        if let Err(error) = Checkpoint::from_files(&files, None, &Device::flex()) {
            prop_assert!(!error.to_string().is_empty());
        }
    }
}

/// The shipped copy model's config and tokenizer (no weights: only the tokenizer is mutated).
fn copy_tokenizer_files() -> CheckpointFiles {
    let mut files = CheckpointFiles::default();
    files.set(CONFIG_FILE, repo_file("checkpoints/copy/config.json"));
    files.set(
        "tokenizer.json",
        repo_file("checkpoints/copy/tokenizer.json"),
    );
    files
}

/// The tiny Transformer fixture, all of its files.
fn tiny_checkpoint() -> CheckpointFiles {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_transformer");
    CheckpointFiles::read(&dir).unwrap()
}

#[test]
fn the_seeds_are_valid_before_mutation() {
    for seed in PYTHON_SEEDS {
        layout_tokens(seed).unwrap();
    }
    let files = copy_tokenizer_files();
    let config = files.config().unwrap();
    config
        .tokenizers
        .target
        .load(&[files.get("tokenizer.json").unwrap()])
        .unwrap();
    Checkpoint::from_files(&tiny_checkpoint(), None, &Device::flex()).unwrap();
}
