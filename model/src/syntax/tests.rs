//! The rules on a toy word vocabulary (plus a few subword continuations): what each rule forbids,
//! and that the ordinary line it guards stays possible.

use super::*;

const WORDS: [&str; 33] = [
    "<newline>",
    "<indent>",
    "<dedent>",
    "(",
    ")",
    "[",
    "]",
    ":",
    ",",
    ".",
    "=",
    "+",
    "x",
    "y",
    "f",
    "if",
    "else",
    "try",
    "except",
    "pass",
    "return",
    "def",
    "not",
    "in",
    "for",
    "lambda",
    "'",
    "1",
    "import",
    "as",
    "with",
    "+=",
    "...",
];

fn syntax() -> PythonSyntax {
    let mut pieces: Vec<Piece> = SPECIALS.iter().map(|s| Piece::of_token(s)).collect();
    pieces.extend(WORDS.iter().map(|t| Piece::of_token(t)));
    for t in ["a", "'", "''"] {
        pieces.push(Piece::Continue(Some(t.to_string())));
    }
    PythonSyntax::new(pieces)
}

fn id(s: &PythonSyntax, piece: &Piece) -> usize {
    s.pieces.iter().position(|p| p == piece).unwrap()
}

fn start(t: &str) -> Piece {
    Piece::of_token(t)
}

/// The pieces of a line of space-separated words.
fn words(line: &str) -> Vec<Piece> {
    line.split_whitespace().map(start).collect()
}

/// The state after `pieces` in the body of a function, each of which the rules must allow.
fn run(s: &PythonSyntax, pieces: &[Piece]) -> SyntaxState {
    run_top(
        s,
        &[&words("def f ( ) : <newline> <indent>")[..], pieces].concat(),
    )
}

/// The state after `pieces` from the very start, each of which the rules must allow.
fn run_top(s: &PythonSyntax, pieces: &[Piece]) -> SyntaxState {
    let mut state = SyntaxState::new();
    for p in pieces {
        let i = id(s, p);
        assert!(s.allows(&state, i), "{p:?} after {pieces:?}");
        s.advance(&mut state, i);
    }
    state
}

/// Whether the rules allow `next` after the words of `line`.
fn allows_after(s: &PythonSyntax, line: &str, next: &str) -> bool {
    let state = run(s, &words(line));
    let next = if next == "<eos>" {
        EOS
    } else {
        id(s, &start(next))
    };
    s.allows(&state, next)
}

#[test]
fn brackets_must_match_and_close_before_the_end() {
    let s = syntax();
    let state = run(&s, &words("x ( ["));
    assert!(!s.allows(&state, id(&s, &start(")"))));
    assert!(s.allows(&state, id(&s, &start("]"))));
    assert!(!s.allows(&state, EOS));
    assert!(
        !s.allows(&state, id(&s, &Piece::Newline)),
        "newlines inside brackets"
    );
    let state = run(&s, &words("x ( )"));
    assert!(s.allows(&state, EOS));
    assert!(!s.allows(&SyntaxState::new(), EOS), "empty output");
}

#[test]
fn operands_and_operators_alternate() {
    let s = syntax();
    assert!(!allows_after(&s, "x", "y"), "two names in a row");
    assert!(
        !allows_after(&s, "x +", "<eos>"),
        "a line ending on an operator"
    );
    assert!(!allows_after(&s, "x =", ","), "no operand after =");
    assert!(allows_after(&s, "x =", "y"));
    assert!(allows_after(&s, "x = f ( y , 1 )", "<eos>"));
    assert!(allows_after(&s, "x = y if x else 1", "<eos>"));
    assert!(
        !allows_after(&s, "x = y if x", "<eos>"),
        "a conditional without its else"
    );
    assert!(
        !allows_after(&s, "x not", "y"),
        "not after an operand needs in"
    );
    assert!(allows_after(&s, "x not in", "y"));
    assert!(allows_after(&s, "x = [ y for y in x ]", "<eos>"));
    assert!(allows_after(&s, "f ( lambda x : x , 1 )", "<eos>"));
    assert!(!allows_after(&s, "x .", "("), "an attribute is a name");
    assert!(!allows_after(&s, "if", "."), "if . is not an expression");
    assert!(allows_after(&s, "x = ...", "<eos>"));
}

#[test]
fn only_targets_are_assigned_to() {
    let s = syntax();
    assert!(allows_after(&s, "x . y [ 1 ]", "="));
    assert!(allows_after(&s, "x , y", "="));
    assert!(!allows_after(&s, "f ( x )", "="), "a call is not a target");
    assert!(!allows_after(&s, "x + y", "="), "a sum is not a target");
    assert!(
        !allows_after(&s, "return x", "="),
        "return x = is not a statement"
    );
    assert!(allows_after(&s, "x", "+="));
    assert!(!allows_after(&s, "x = y", "+="));
    assert!(allows_after(&s, "f ( x", "="), "a keyword argument");
    assert!(!allows_after(&s, "f ( x . y", "="));
}

#[test]
fn statements_have_their_shapes() {
    let s = syntax();
    assert!(!allows_after(&s, "def", "("), "def needs a name");
    assert!(!allows_after(&s, "def f", ":"), "def needs its parameters");
    assert!(!allows_after(&s, "def f ( x", "1"));
    assert!(allows_after(&s, "def f ( x , y = 1 )", ":"));
    assert!(
        !allows_after(&s, "if x", "<newline>"),
        "a header needs its colon"
    );
    assert!(!allows_after(&s, "try", "x"), "try:");
    assert!(!allows_after(&s, "pass", "x"));
    assert!(allows_after(&s, "import x . y as f", "<eos>"));
    assert!(!allows_after(&s, "import x as", "("));
    assert!(allows_after(&s, "with f ( ) as x", ":"));
    assert!(
        allows_after(&s, "if x : return", "<eos>"),
        "a one-line body"
    );
}

#[test]
fn blocks_continue_only_what_they_can() {
    let s = syntax();
    let state = run(&s, &words("x <newline>"));
    assert!(!s.allows(&state, id(&s, &start("else"))), "else without if");
    assert!(
        !s.allows(&state, id(&s, &start("except"))),
        "except without try"
    );
    let if_block = words("if x : <newline> <indent> pass <newline> <dedent>");
    // The function's own body is at depth 1: nest the block one level deeper.
    let nested = [&words("def f ( ) : <newline> <indent>")[..], &if_block].concat();
    let state = run(&s, &nested);
    assert!(s.allows(&state, id(&s, &start("else"))));
    let try_block = words("try : <newline> <indent> pass <newline> <dedent>");
    let nested = [&words("def f ( ) : <newline> <indent>")[..], &try_block].concat();
    let state = run(&s, &nested);
    assert!(s.allows(&state, id(&s, &start("except"))));
    assert!(
        !s.allows(&state, id(&s, &start("x"))),
        "a try needs its handler"
    );
    assert!(!s.allows(&state, EOS), "a try needs its handler");
}

#[test]
fn headers_need_an_indented_body_and_dedents_stay_above_zero() {
    let s = syntax();
    let top = SyntaxState::new();
    assert!(
        !s.allows(&top, id(&s, &start("x"))),
        "the code starts with def"
    );
    assert!(s.allows(&top, id(&s, &start("def"))));
    let header = words("def f ( ) :");
    assert!(
        !s.allows(&run_top(&s, &header), EOS),
        "a header without a body"
    );
    let state = run_top(&s, &[&header[..], &[Piece::Newline]].concat());
    let allowed: Vec<usize> = (0..s.vocab_size())
        .filter(|&i| s.allows(&state, i))
        .collect();
    assert_eq!(allowed, [id(&s, &Piece::Indent)]);
    let state = run_top(
        &s,
        &[&header[..], &[Piece::Newline, Piece::Indent]].concat(),
    );
    assert!(!s.allows(&state, id(&s, &Piece::Dedent)), "an empty block");
    assert!(!s.allows(&state, EOS));
    let state = run(&s, &words("x <newline>"));
    assert!(
        !s.allows(&state, id(&s, &Piece::Dedent)),
        "out of the function"
    );
    let state = run(&s, &words("if x : <newline> <indent> x <newline>"));
    assert!(s.allows(&state, id(&s, &Piece::Dedent)));
    let state = run(&s, &words("if x : <newline> <indent> x <newline> <dedent>"));
    assert!(
        !s.allows(&state, id(&s, &Piece::Dedent)),
        "out of the function"
    );
    assert!(
        !s.allows(&state, id(&s, &Piece::Indent)),
        "an unexpected indent"
    );
}

#[test]
fn a_line_cannot_repeat_the_one_before_and_a_dot_needs_a_name() {
    let s = syntax();
    let line = words("x ( )");
    let twice = [&line[..], &[Piece::Newline], &line[..]].concat();
    let state = run(&s, &twice);
    assert!(!s.allows(&state, id(&s, &Piece::Newline)));
    assert!(s.allows(&state, EOS));
    let mut scores = vec![0.0f32; s.vocab_size()];
    scores[id(&s, &Piece::Newline)] = 5.0;
    s.mask(&state, &mut scores);
    assert_eq!(scores[EOS], 5.0, "the newline's score goes to <eos>");
    assert_eq!(scores[id(&s, &Piece::Newline)], f32::NEG_INFINITY);
    let real_code = s.clone().for_real_code();
    assert!(real_code.allows(&state, id(&s, &Piece::Newline)));
    let state = run(&s, &words("x ."));
    assert!(
        !s.allows(&state, id(&s, &start("if"))),
        "a keyword is no attribute"
    );
    assert!(s.allows(&state, id(&s, &start("y"))));
    assert!(!s.allows(&state, id(&s, &start("."))));
    assert!(
        !s.allows(&state, id(&s, &Piece::Newline)),
        "x. is not a statement"
    );
    assert!(!s.allows(&state, EOS));
    assert!(
        !s.allows(&state, id(&s, &Piece::Continue(Some("a".into())))),
        "not .a"
    );
    let state = run(&s, &words("x ( ) ."));
    assert!(s.allows(&state, id(&s, &start("y"))));
    let state = run(&s, &words("x [ : :"));
    assert!(!s.allows(&state, id(&s, &start(":"))));
    assert!(s.allows(&state, id(&s, &start("]"))));
}

#[test]
fn strings_must_close_before_another_token() {
    let s = syntax();
    let cont = |t: &str| Piece::Continue(Some(t.to_string()));
    let open = run(&s, &[start("x"), start("="), start("'"), cont("a")]);
    assert!(!s.allows(&open, EOS));
    assert!(!s.allows(&open, id(&s, &start("x"))));
    let closed = run(
        &s,
        &[start("x"), start("="), start("'"), cont("a"), cont("'")],
    );
    assert!(s.allows(&closed, EOS));
    assert!(
        !s.allows(&closed, id(&s, &cont("a"))),
        "nothing after a closed string"
    );
    let empty = run(&s, &[start("'"), cont("'")]);
    assert!(s.allows(&empty, EOS));
    assert!(
        s.allows(&empty, id(&s, &cont("'"))),
        "''' opens a triple-quoted string"
    );
    let triple = run(&s, &[start("'"), cont("''")]);
    assert!(!s.allows(&triple, EOS));
}

#[test]
fn subword_prefixes_may_start_a_longer_token() {
    // With byte fallback every ASCII character continues a token: `:` may start `:=`.
    let mut pieces: Vec<Piece> = SPECIALS.iter().map(|s| Piece::of_token(s)).collect();
    pieces.extend(WORDS.iter().map(|t| Piece::of_token(t)));
    pieces.extend((b'!'..=b'~').map(|b| Piece::Continue(Some(char::from(b).to_string()))));
    let s = PythonSyntax::new(pieces);
    let state = run(&s, &words("if ( x"));
    let colon = id(&s, &start(":"));
    assert!(s.allows(&state, colon), "the start of :=");
    let mut state = state;
    s.advance(&mut state, colon);
    assert!(
        !s.allows(&state, id(&s, &start("y"))),
        "( x : is not finished"
    );
    assert!(s.allows(&state, id(&s, &Piece::Continue(Some("=".into())))));
    assert!(
        !syntax().allows(&run(&syntax(), &words("if ( x")), colon),
        "no := without '='"
    );
}

#[test]
fn generated_code_ends_its_block_after_return_and_names_each_parameter_once() {
    let s = syntax();
    let state = run(
        &s,
        &words("def f ( x ) : <newline> <indent> return x <newline>"),
    );
    assert!(
        !s.allows(&state, id(&s, &start("x"))),
        "dead code after return"
    );
    assert!(s.allows(&state, EOS));
    assert!(
        s.clone()
            .for_real_code()
            .allows(&state, id(&s, &start("x")))
    );
    assert!(
        !allows_after(&s, "def f ( x , y ,", "x"),
        "a parameter named twice"
    );
    assert!(allows_after(&s, "def f ( x , y = x ,", "f"));
    assert!(!allows_after(&s, "x = 1", "("), "a number is not called");
}

/// What [`PythonSyntax::most_probable_allowed`] must equal: the masked row's `k` best finite scores
/// (ties: the lower id first).
fn masked_top(
    s: &PythonSyntax,
    state: &SyntaxState,
    scores: &[f32],
    k: usize,
) -> Vec<(usize, f32)> {
    let mut row = scores.to_vec();
    s.mask(state, &mut row);
    let mut finite: Vec<(usize, f32)> = row
        .into_iter()
        .enumerate()
        .filter(|(_, x)| x.is_finite())
        .collect();
    finite.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    finite.truncate(k);
    finite
}

#[test]
fn the_most_probable_allowed_ids_are_those_of_the_masked_row() {
    let s = syntax();
    let mut rng = crate::rng::Rng::new(7);
    let mut checked = 0;
    for _ in 0..200 {
        let mut state = SyntaxState::new();
        for _ in 0..40 {
            // Coarse scores make ties; some ids banned outright (minus infinity), as `<unk>` can be.
            let scores: Vec<f32> = (0..s.vocab_size())
                .map(|_| match rng.below(10) {
                    0 => f32::NEG_INFINITY,
                    _ => rng.below(8) as f32 - 8.0,
                })
                .collect();
            for k in [1, 3, 5, 64] {
                assert_eq!(
                    s.most_probable_allowed(&state, &scores, k),
                    masked_top(&s, &state, &scores, k),
                    "k = {k}"
                );
            }
            checked += 1;
            let allowed: Vec<usize> = (0..s.vocab_size())
                .filter(|&i| s.allows(&state, i))
                .collect();
            if allowed.is_empty() || allowed == [EOS] {
                break;
            }
            let next = loop {
                let i = allowed[rng.below(allowed.len())];
                if i != EOS {
                    break i;
                }
            };
            s.advance(&mut state, next);
        }
    }
    assert!(checked > 2000, "{checked} states");
    // The one score the mask moves: a repeated line's `<newline>` goes to `<eos>`.
    let line = words("x ( )");
    let state = run(&s, &[&line[..], &[Piece::Newline], &line[..]].concat());
    let mut scores = vec![-3.0f32; s.vocab_size()];
    scores[id(&s, &Piece::Newline)] = -0.5;
    assert_eq!(s.most_probable_allowed(&state, &scores, 1), [(EOS, -0.5)]);
    assert_eq!(
        s.most_probable_allowed(&state, &scores, 5),
        masked_top(&s, &state, &scores, 5)
    );
}
