//! Extraction of (docstring, code) pairs from Python source with tree-sitter.

use trainer::corpus::extract::{Body, FileError, FoundFunction, extract_file, strip_function};

fn extract(src: &str) -> Vec<FoundFunction> {
    extract_file(src.as_bytes())
        .expect("source parses")
        .with_docstring
}

fn find<'a>(functions: &'a [FoundFunction], name: &str) -> &'a FoundFunction {
    functions
        .iter()
        .find(|f| f.func_name == name)
        .unwrap_or_else(|| panic!("{name} not extracted; got {:?}", names(functions)))
}

fn names(functions: &[FoundFunction]) -> Vec<&str> {
    functions.iter().map(|f| f.func_name.as_str()).collect()
}

fn code(f: &FoundFunction) -> &str {
    match &f.body {
        Body::Code(code) => code,
        other => panic!("{}: expected code, got {other:?}", f.func_name),
    }
}

const QUOTES: &str = r#"
def single(a):
    'Single quoted docstring here.'
    return a

def double(a):
    "Double quoted docstring here."
    return a

def triple_single(a):
    '''Triple single quoted docstring.'''
    return a

def triple_double(a):
    """Triple double quoted docstring."""
    return a

def raw_doc(a):
    r"""Raw docstring with \d+ pattern."""
    return a

def unicode_prefix(a):
    u"""Unicode prefixed docstring text."""
    return a

def escapes(a):
    """Tab\there and \x41 letter."""
    return a

def fstring_doc(a):
    f"""Not a docstring {a}."""
    return a

def bytes_doc(a):
    b"""Not a docstring either."""
    return a

def concatenated(a):
    "Concatenated " 'docstring parts.'
    return a

def no_docstring(a):
    return a

def after_comment(a):
    # A comment does not stop the docstring.
    """Docstring after a comment."""
    return a
"#;

#[test]
fn quote_styles_prefixes_and_escapes() {
    let file = extract_file(QUOTES.as_bytes()).unwrap();
    assert_eq!(file.seen, 12);
    let fs = file.with_docstring;
    assert_eq!(
        find(&fs, "single").docstring,
        "Single quoted docstring here."
    );
    assert_eq!(
        find(&fs, "double").docstring,
        "Double quoted docstring here."
    );
    assert_eq!(
        find(&fs, "triple_single").docstring,
        "Triple single quoted docstring."
    );
    assert_eq!(
        find(&fs, "triple_double").docstring,
        "Triple double quoted docstring."
    );
    assert_eq!(
        find(&fs, "raw_doc").docstring,
        r"Raw docstring with \d+ pattern."
    );
    assert_eq!(
        find(&fs, "unicode_prefix").docstring,
        "Unicode prefixed docstring text."
    );
    // The tab is whitespace and collapses; \x41 is "A".
    assert_eq!(find(&fs, "escapes").docstring, "Tab here and A letter.");
    assert_eq!(
        find(&fs, "concatenated").docstring,
        "Concatenated docstring parts."
    );
    assert_eq!(
        find(&fs, "after_comment").docstring,
        "Docstring after a comment."
    );
    assert_eq!(
        code(find(&fs, "after_comment")),
        "def after_comment(a):\n    return a"
    );
    for name in ["fstring_doc", "bytes_doc", "no_docstring"] {
        assert!(!names(&fs).contains(&name), "{name} has no docstring");
    }
    for f in &fs {
        assert_eq!(code(f), format!("def {}(a):\n    return a", f.func_name));
    }
}

const NESTING: &str = r#"
import functools

class Widget:
    """A widget."""

    def method(self):
        """Method docstring here."""
        return 1

    async def fetch(self):
        """Async method docstring."""
        return await self.method()

    @property
    @functools.lru_cache(maxsize=None)
    def decorated(self):
        """Decorated property docstring."""
        return 2

    class Inner:
        def deep(self):
            """Deeply nested method."""
            def helper():
                """Helper inside a method."""
                return 3
            return helper()

def outer(a):
    """Outer function docstring."""
    def inner(b):
        """Inner function docstring."""
        return b
    return inner(a)
"#;

#[test]
fn methods_nested_async_and_decorated_functions() {
    let fs = extract(NESTING);
    assert_eq!(
        names(&fs),
        [
            "Widget.method",
            "Widget.fetch",
            "Widget.decorated",
            "Widget.Inner.deep",
            "Widget.Inner.deep.helper",
            "outer",
            "outer.inner"
        ]
    );
    assert_eq!(
        code(find(&fs, "Widget.method")),
        "def method(self):\n    return 1"
    );
    assert_eq!(
        code(find(&fs, "Widget.fetch")),
        "async def fetch(self):\n    return await self.method()"
    );
    let decorated = find(&fs, "Widget.decorated");
    assert_eq!(code(decorated), "def decorated(self):\n    return 2");
    assert!(
        decorated
            .original_string
            .starts_with("def decorated(self):\n    \"\"\"Decorated")
    );
    assert_eq!(decorated.start_line, 17);
    assert_eq!(decorated.end_line, 19);
    assert_eq!(
        code(find(&fs, "outer")),
        "def outer(a):\n    def inner(b):\n        \"\"\"Inner function docstring.\"\"\"\n        return b\n    return inner(a)"
    );
    assert_eq!(
        code(find(&fs, "Widget.Inner.deep.helper")),
        "def helper():\n    return 3"
    );
}

const BODIES: &str = "
def docstring_only():
    \"\"\"Only a docstring here.\"\"\"

def docstring_and_comment():
    \"\"\"Only a docstring and a comment.\"\"\"
    # nothing else

def one_line(x): \"One line docstring text.\"; return x

def paragraphs():
    \"\"\"
    First paragraph spans
    two lines.

    Second paragraph.
    \"\"\"
    return 0

class Holder:
    def template(self):
        \"\"\"Return the template text.\"\"\"
        # a comment

        value = \"\"\"line one
  two spaces

no indent\"\"\"  # trailing comment
        other = 1  # another
        return value + '''
    kept'''
";

#[test]
fn docstring_only_one_line_paragraphs_and_multiline_strings() {
    let fs = extract(BODIES);
    assert_eq!(find(&fs, "docstring_only").body, Body::DocstringOnly);
    assert_eq!(find(&fs, "docstring_and_comment").body, Body::DocstringOnly);
    assert_eq!(code(find(&fs, "one_line")), "def one_line(x): return x");
    assert_eq!(
        find(&fs, "paragraphs").docstring,
        "First paragraph spans two lines."
    );
    let template = find(&fs, "Holder.template");
    // Lines inside the multi-line strings keep their indentation (and the blank line inside stays).
    assert_eq!(
        code(template),
        "def template(self):\n    value = \"\"\"line one\n  two spaces\n\nno indent\"\"\"\n    other = 1\n    \
         return value + '''\n    kept'''"
    );
    assert_eq!(
        template.original_string,
        "def template(self):\n    \"\"\"Return the template text.\"\"\"\n    # a comment\n\n    value = \
         \"\"\"line one\n  two spaces\n\nno indent\"\"\"  # trailing comment\n    other = 1  # another\n    \
         return value + '''\n    kept'''"
    );
}

#[test]
fn tabs_are_dedented_like_spaces() {
    let src = "class Tabbed:\n\tdef tabbed(self):\n\t\t\"\"\"Tab indented method.\"\"\"\n\t\tif self:\n\t\t\treturn 1\n\t\treturn 2\n";
    let fs = extract(src);
    assert_eq!(
        code(find(&fs, "Tabbed.tabbed")),
        "def tabbed(self):\n\tif self:\n\t\treturn 1\n\treturn 2"
    );
}

#[test]
fn crlf_line_endings_are_normalized() {
    let fs = extract("def f(x):\r\n    \"\"\"Windows line endings here.\"\"\"\r\n    return x\r\n");
    assert_eq!(code(find(&fs, "f")), "def f(x):\n    return x");
}

#[test]
fn unparsable_and_non_utf8_files() {
    assert_eq!(
        extract_file(b"def f(:\n    return 1\n").unwrap_err(),
        FileError::Syntax { line: 1 }
    );
    assert_eq!(
        extract_file(b"x = '\xe9'\n").unwrap_err(),
        FileError::NotUtf8
    );
}

#[test]
fn strip_function_removes_docstring_and_comments_of_csn_code() {
    let csn = "def save(self, path=None):\n        \"\"\"Save it.\"\"\"\n        # comment\n        return path";
    assert_eq!(
        strip_function(csn).unwrap(),
        "def save(self, path=None):\n        return path"
    );
    assert_eq!(strip_function("x = 1").as_deref(), None);
    assert_eq!(
        strip_function("def f():\n    \"\"\"Only.\"\"\"").as_deref(),
        None
    );
}
