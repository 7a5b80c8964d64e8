//! The per-example metrics: token accuracy, exact match, syntax validity, repetition, brackets.

use trainer::metrics::{
    SyntaxChecker, brackets_balanced, exact_match, repetition_rate, token_accuracy,
};

fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

#[test]
fn token_accuracy_is_position_wise_over_the_reference_length() {
    let reference = tokens("return a + b");
    assert_eq!(token_accuracy(&reference, &reference), 1.0);
    // 3 of 4 positions agree.
    assert_eq!(token_accuracy(&reference, &tokens("return a - b")), 0.75);
    // Missing positions are misses: 2 of 4.
    assert_eq!(token_accuracy(&reference, &tokens("return a")), 0.5);
    // Extra tokens past the reference are ignored: 4 of 4.
    assert_eq!(token_accuracy(&reference, &tokens("return a + b + c")), 1.0);
    // One inserted token shifts everything after it: only "return" agrees.
    assert_eq!(
        token_accuracy(&reference, &tokens("return ( a + b )")),
        0.25
    );
    assert_eq!(token_accuracy(&tokens(""), &tokens("")), 1.0);
    assert_eq!(token_accuracy(&tokens(""), &tokens("x")), 0.0);
}

#[test]
fn exact_match_needs_identical_tokens() {
    let reference = tokens("return a + b");
    assert!(exact_match(&reference, &tokens("return a + b")));
    assert!(!exact_match(&reference, &tokens("return a + b c")));
    assert!(!exact_match(&reference, &tokens("return a +")));
    assert!(!exact_match(&reference, &tokens("return b + a")));
}

#[test]
fn syntax_checker_accepts_valid_python() {
    let mut checker = SyntaxChecker::new();
    for source in [
        "def f(x):\n    return x + 1\n",
        "def f(self):\n    if self.x:\n        return [1, 2]\n    return {}\n",
        // Line breaks Python allows: in brackets, in strings, after `\`, before clauses.
        "def f(x):\n    return g(x,\n        1)\n",
        "def f(x):\n    s = '''a\nb'''\n    return s\n",
        "def f(x):\n    return x \\\n        + 1\n",
        "def f(x):\n    if x:\n        pass\n    elif x > 1:\n        pass\n    else:\n        pass\n",
        "def f(x):\n    try:\n        g()\n    except ValueError:\n        pass\n    finally:\n        h()\n",
        "@decorator\n@other(1)\ndef f(x):\n    return x\n",
        "class A:\n    def f(self):\n        pass\n",
        "def f(x):\n    match x:\n        case 1:\n            return 2\n        case _:\n            return 3\n",
        // Several statements on one line.
        "def f(x):\n    a = 1; b = 2\n    if a: return b\n",
        "a = 1; b = 2\n",
        // A comment may stand anywhere.
        "def f(x):\n    # note\n    return x  # end\n",
        // Argument and parameter orders Python allows.
        "f(*a, b=1, *c)\n",
        "f(x, *a, **k)\n",
        "def f(a, b=1, *args, c, d=2, **kw):\n    pass\n",
        "def f(a, /, b=1):\n    pass\n",
        "def f(*args: int, b):\n    pass\n",
        "g = lambda x=1, *, y: x\n",
        "x = (*a,)\n",
        "x = {**a}\n",
        "x = [*a]\n",
    ] {
        assert!(checker.is_valid(source), "{source:?} is valid Python");
    }
}

#[test]
fn syntax_checker_follows_tree_sitter_on_python_2_statements() {
    // Documented leniency of tree-sitter-python: Python 2 print statements parse.
    assert!(SyntaxChecker::new().is_valid("def f(x):\n    print x\n"));
}

#[test]
fn syntax_checker_rejects_error_and_missing_nodes() {
    let mut checker = SyntaxChecker::new();
    // Stray tokens: an ERROR node.
    assert!(!checker.is_valid("def f(x):\n    return x +\n"));
    assert!(!checker.is_valid("def f(x) return x\n"));
    // An unclosed call: tree-sitter inserts a MISSING ")".
    assert!(!checker.is_valid("def f(x):\n    return g(x\n"));
    // Empty output is not a function.
    assert!(!checker.is_valid(""));
    assert!(!checker.is_valid("\n  \n"));
}

#[test]
fn syntax_checker_enforces_what_tree_sitter_lets_through() {
    let mut checker = SyntaxChecker::new();
    for source in [
        // A block with no statement.
        "def f(x):\n",
        "def f(x):\n    if x:\n",
        "def f(x):\nreturn x\n",
        "def f(x):\n    if x:\n        # only a comment\n",
        // `try` without `except` or `finally` (output cut off inside the `try`).
        "def f(x):\n    try:\n        return 1\n",
        // Unexpected indent, and a dedent to a column no block uses.
        "def f(x):\n    x = 1\n        y = 2\n",
        "    x = 1\n",
        "x = 1\n    y = 2\n",
        "def f(x):\n    if x:\n        return 1\n      return 2\n",
        // A line break that ends an unfinished statement.
        "def f(x):\n    x =\n    1\n",
        "def f(x):\n    return x +\n    1\n",
        // Arguments and parameters out of order, misplaced stars.
        "f(a=1, b)\n",
        "f(**k, b)\n",
        "def f(a=1, b):\n    pass\n",
        "g = lambda a=1, b: 0\n",
        "def f(*, **kw):\n    pass\n",
        "def f(*):\n    pass\n",
        "x = (*args, **kw)\n",
        "x = (*a)\n",
    ] {
        assert!(!checker.is_valid(source), "{source:?} is not valid Python");
    }
}

#[test]
fn repetition_rate_is_the_share_of_repeated_ngrams() {
    // 4-grams of "a b c d e": 2, both distinct.
    assert_eq!(repetition_rate(&tokens("a b c d e"), 4), Some(0.0));
    // "x = x = x = x =": 5 4-grams, 2 distinct ("x = x =", "= x = x"): 1 - 2/5.
    assert_eq!(
        repetition_rate(&tokens("x = x = x = x ="), 4),
        Some(1.0 - 2.0 / 5.0)
    );
    // Bigrams of "a a a": 2, 1 distinct.
    assert_eq!(repetition_rate(&tokens("a a a"), 2), Some(0.5));
    // Too short for a 4-gram.
    assert_eq!(repetition_rate(&tokens("a b c"), 4), None);
}

#[test]
fn brackets_must_nest_and_close() {
    assert!(brackets_balanced(&tokens("f ( a [ 1 ] , { b : c } )")));
    assert!(brackets_balanced(&tokens("")));
    assert!(!brackets_balanced(&tokens("f ( a")));
    assert!(!brackets_balanced(&tokens("f a )")));
    assert!(!brackets_balanced(&tokens("f ( a ] )")));
    assert!(!brackets_balanced(&tokens("[ ( ] )")));
    // A string literal is one token: the brackets inside it do not count.
    assert!(brackets_balanced(&["print", "(", "\"(\"", ")"]));
}
