//! CodeSearchNet's function filters, and the reasons a function can be dropped (each one counted in the
//! build summary).

use std::fmt;

/// Docstrings with fewer tokens than this say too little to generate code from (CodeSearchNet: 3).
pub const MIN_DOCSTRING_TOKENS: usize = 3;

/// Why a function is not in the corpus. The order is the order the checks run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropReason {
    NoDocstring,
    TestName,
    Dunder,
    ShortDocstring,
    DocstringOnly,
    Unparsable,
    LexError,
    Duplicate,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::NoDocstring => "no docstring",
            DropReason::TestName => "name contains \"test\"",
            DropReason::Dunder => "dunder method",
            DropReason::ShortDocstring => "docstring < 3 tokens",
            DropReason::DocstringOnly => "docstring-only body",
            DropReason::Unparsable => "stripped code does not parse",
            DropReason::LexError => "stripped code does not lex",
            DropReason::Duplicate => "duplicate code tokens",
        })
    }
}

/// "test" anywhere in the qualified name, any case: test functions, and the methods of test classes, whose
/// docstrings describe tests rather than what the code does.
pub fn is_test_name(func_name: &str) -> bool {
    func_name.to_ascii_lowercase().contains("test")
}

/// `__x__` methods: their behaviour is fixed by the language, and their docstrings rarely say more.
pub fn is_dunder(name: &str) -> bool {
    name.len() > 4 && name.starts_with("__") && name.ends_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_test_name("TestFoo.check"));
        assert!(is_test_name("run_tests"));
        assert!(!is_test_name("Foo.run"));
        assert!(is_dunder("__init__"));
        assert!(!is_dunder("__private"));
        assert!(!is_dunder("____"));
    }
}
