//! CodeSearchNet-style extraction with tree-sitter: every function whose body starts with a docstring,
//! as (description, code) with the docstring and comments taken out of the code.
//!
//! Naming: a method is `Class.method`, a nested function `outer.inner`, and both compose
//! (`Outer.Inner.method.helper`), so a name says where the function lives in its file.
//!
//! The code keeps every byte of its string literals: lines that begin inside a multi-line string are
//! neither dedented nor dropped, since their leading whitespace is part of the string's value.

use super::docstring;
use tree_sitter::{Node, Parser, Tree};

/// A tree-sitter parser for Python. Parsers are cheap; each thread makes its own.
pub fn python_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the tree-sitter-python grammar matches the tree-sitter library version");
    parser
}

/// Parses Python source. `None` only if tree-sitter gives up (it normally returns a tree with ERROR nodes).
pub fn parse(src: &str) -> Option<Tree> {
    python_parser().parse(src, None)
}

/// Whether source parses with no ERROR or MISSING node (`has_error` covers both).
pub fn parses_cleanly(src: &str) -> bool {
    parse(src).is_some_and(|t| !t.root_node().has_error())
}

/// Python reads source with universal newlines; do the same so byte ranges and lines agree everywhere.
pub fn normalize_newlines(src: &str) -> String {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    src.replace("\r\n", "\n").replace('\r', "\n")
}

/// What became of a function that has a docstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The code without docstring and comments, dedented.
    Code(String),
    /// Nothing but the docstring (and comments): nothing to generate.
    DocstringOnly,
    /// The stripped code does not parse cleanly (tree-sitter found an ERROR or MISSING node).
    Unparsable,
}

/// A function with a docstring, as found in a file.
#[derive(Debug, Clone)]
pub struct FoundFunction {
    /// Qualified name (`Class.method`, `outer.inner`).
    pub func_name: String,
    /// The `def`'s own name, for the dunder filter.
    pub name: String,
    /// 1-based lines of the `def` (decorators excluded) and of the function's end.
    pub start_line: usize,
    pub end_line: usize,
    pub original_string: String,
    /// The docstring's summary (first paragraph, whitespace collapsed).
    pub docstring: String,
    pub body: Body,
}

/// The functions of one file.
#[derive(Debug, Default)]
pub struct FileFunctions {
    /// Every `function_definition` in the file.
    pub seen: usize,
    pub with_docstring: Vec<FoundFunction>,
}

/// Why a whole file was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    NotUtf8,
    /// tree-sitter found a syntax error; the 1-based line of the first one.
    Syntax {
        line: usize,
    },
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotUtf8 => f.write_str("not UTF-8"),
            FileError::Syntax { line } => write!(f, "syntax error near line {line}"),
        }
    }
}

/// Pre-order traversal with a tree cursor: no recursion (deeply nested expressions must not overflow the
/// stack) and no allocation per node.
pub fn preorder<'t>(root: Node<'t>) -> impl Iterator<Item = Node<'t>> {
    let mut cursor = root.walk();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let node = cursor.node();
        if !cursor.goto_first_child() {
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    done = true;
                    break;
                }
            }
        }
        Some(node)
    })
}

/// Extracts the functions of a file's bytes.
pub fn extract_file(bytes: &[u8]) -> Result<FileFunctions, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let src = normalize_newlines(text);
    let mut parser = python_parser();
    let tree = parser
        .parse(&src, None)
        .ok_or(FileError::Syntax { line: 1 })?;
    let root = tree.root_node();
    if root.has_error() {
        let line = preorder(root)
            .find(|n| n.is_error() || n.is_missing())
            .map_or(1, |n| n.start_position().row + 1);
        return Err(FileError::Syntax { line });
    }
    let mut out = FileFunctions::default();
    for node in preorder(root).filter(|n| n.kind() == "function_definition") {
        out.seen += 1;
        if let Some(found) = function_with_docstring(&src, node, &mut parser) {
            out.with_docstring.push(found);
        }
    }
    Ok(out)
}

fn text<'s>(src: &'s str, node: Node) -> &'s str {
    &src[node.byte_range()]
}

/// `outer.inner` / `Class.method`: the names of the enclosing classes and functions, outermost first.
fn qualified_name(src: &str, node: Node, name: &str) -> String {
    let mut parts = vec![name.to_string()];
    let mut current = node.parent();
    while let Some(n) = current {
        if matches!(n.kind(), "function_definition" | "class_definition")
            && let Some(name) = n.child_by_field_name("name")
        {
            parts.push(text(src, name).to_string());
        }
        current = n.parent();
    }
    parts.reverse();
    parts.join(".")
}

/// The docstring statement of a function, with its literal parts, if the body starts with one: a plain or
/// implicitly concatenated `str` literal (possibly parenthesized), not an f-string or bytes.
fn docstring_statement<'t>(src: &str, function: Node<'t>) -> Option<(Node<'t>, Vec<Node<'t>>)> {
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let first = body
        .named_children(&mut cursor)
        .find(|n| n.kind() != "comment")?;
    if first.kind() != "expression_statement" || first.named_child_count() != 1 {
        return None;
    }
    let mut expr = first.named_child(0)?;
    while expr.kind() == "parenthesized_expression" && expr.named_child_count() == 1 {
        expr = expr.named_child(0)?;
    }
    let parts: Vec<Node> = match expr.kind() {
        "string" => vec![expr],
        "concatenated_string" => {
            let mut c = expr.walk();
            expr.named_children(&mut c)
                .filter(|n| n.kind() == "string")
                .collect()
        }
        _ => return None,
    };
    let capable = parts.iter().all(|p| {
        docstring::literal_prefix(text(src, *p)).is_some_and(|prefix| prefix.docstring_capable)
    });
    capable.then_some((first, parts))
}

/// A byte range `(start, end)` in the source.
type Span = (usize, usize);

/// Byte ranges of a function's string literals and comments (comments inside strings, e.g. in an
/// f-string's replacement field, are part of the string and not listed).
fn strings_and_comments(function: Node) -> (Vec<Span>, Vec<Span>) {
    let mut strings = Vec::new();
    let mut comments = Vec::new();
    for n in preorder(function) {
        match n.kind() {
            "string" => strings.push((n.start_byte(), n.end_byte())),
            "comment" => comments.push((n.start_byte(), n.end_byte())),
            _ => {}
        }
    }
    comments.retain(|&(c, _)| !strings.iter().any(|&(s, e)| s <= c && c < e));
    (strings, comments)
}

/// Inputs of [`render`]: what to cut out, which bytes are string literals, and whether to drop lines
/// that end up blank.
struct Render<'a> {
    removals: Vec<(usize, usize)>,
    strings: &'a [(usize, usize)],
    drop_blank: bool,
}

/// The indentation of the line a node starts on (the `def` line's indentation).
fn line_indent(src: &str, start: usize) -> &str {
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &src[line_start..start];
    let n = before.len() - before.trim_start_matches([' ', '\t', '\x0c']).len();
    &before[..n]
}

/// Removes `indent` from the start of a line: exactly, or (mixed tabs and spaces) as much leading
/// whitespace as it has bytes.
fn dedent_line<'l>(line: &'l str, indent: &str) -> &'l str {
    if let Some(rest) = line.strip_prefix(indent) {
        return rest;
    }
    let mut cut = 0;
    for (i, c) in line.char_indices() {
        if i >= indent.len() || !matches!(c, ' ' | '\t' | '\x0c') {
            break;
        }
        cut = i + c.len_utf8();
    }
    &line[cut..]
}

/// The function's text, line by line: removals cut out, blank lines dropped (if asked), and every line
/// dedented by the `def` line's indentation except lines that begin inside a string literal.
fn render(src: &str, function: Node, how: &Render) -> String {
    let (start, end) = (function.start_byte(), function.end_byte());
    let indent = line_indent(src, start);
    let mut removals = how.removals.clone();
    removals.sort_unstable();
    let mut lines = Vec::new();
    let mut line_start = start;
    while line_start <= end {
        let line_end = src[line_start..end]
            .find('\n')
            .map_or(end, |i| line_start + i);
        let mut kept = String::new();
        let mut pos = line_start;
        for &(s, e) in &removals {
            if e <= pos || s >= line_end {
                continue;
            }
            if s > pos {
                kept.push_str(&src[pos..s]);
            }
            pos = pos.max(e);
        }
        if pos < line_end {
            kept.push_str(&src[pos..line_end]);
        }
        let inside_string = how
            .strings
            .iter()
            .any(|&(s, e)| s < line_start && line_start < e);
        if inside_string {
            lines.push(kept);
        } else if !(how.drop_blank && kept.trim().is_empty()) {
            lines.push(dedent_line(&kept, indent).to_string());
        }
        line_start = line_end + 1;
    }
    lines.join("\n")
}

/// Extends a range to the left over spaces and tabs (the gap before a trailing comment).
fn extend_left(src: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let n = src[..s].len() - src[..s].trim_end_matches([' ', '\t']).len();
    (s - n, e)
}

/// Extends the docstring statement's range over a following `;` (as in `def f(): "doc"; return 1`).
fn extend_over_semicolon(src: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let after = &src[e..];
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    if let Some(rest) = after[gap..].strip_prefix(';') {
        let gap2 = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        (s, e + gap + 1 + gap2)
    } else {
        (s, e)
    }
}

/// The code of a function without its docstring statement and comments; `None` if nothing is left.
fn stripped_code(src: &str, function: Node, statement: Node) -> Option<String> {
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let has_code = body
        .named_children(&mut cursor)
        .any(|n| n.kind() != "comment" && n.id() != statement.id());
    if !has_code {
        return None;
    }
    let (strings, comments) = strings_and_comments(function);
    let (ds, de) = (statement.start_byte(), statement.end_byte());
    let code_strings: Vec<(usize, usize)> = strings
        .into_iter()
        .filter(|&(s, e)| !(ds <= s && e <= de))
        .collect();
    let mut removals: Vec<(usize, usize)> = comments
        .into_iter()
        .filter(|&(s, _)| !(ds <= s && s < de))
        .map(|r| extend_left(src, r))
        .collect();
    removals.push(extend_over_semicolon(src, (ds, de)));
    Some(render(
        src,
        function,
        &Render {
            removals,
            strings: &code_strings,
            drop_blank: true,
        },
    ))
}

fn function_with_docstring(
    src: &str,
    function: Node,
    parser: &mut Parser,
) -> Option<FoundFunction> {
    let name = text(src, function.child_by_field_name("name")?).to_string();
    let (statement, parts) = docstring_statement(src, function)?;
    let description = docstring::describe(parts.iter().map(|p| text(src, *p)))?;
    let (strings, _) = strings_and_comments(function);
    let original_string = render(
        src,
        function,
        &Render {
            removals: Vec::new(),
            strings: &strings,
            drop_blank: false,
        },
    );
    let body = match stripped_code(src, function, statement) {
        None => Body::DocstringOnly,
        Some(code) => match parser.parse(&code, None) {
            Some(tree) if !tree.root_node().has_error() => Body::Code(code),
            _ => Body::Unparsable,
        },
    };
    Some(FoundFunction {
        func_name: qualified_name(src, function, &name),
        name,
        start_line: function.start_position().row + 1,
        end_line: function.end_position().row + 1,
        original_string,
        docstring: description,
        body,
    })
}

/// The first function of `code` (e.g. a CodeSearchNet `code` field, which keeps the docstring and
/// comments) with its docstring and comments removed, as this corpus's `code` field would hold it.
/// `None` if the code does not parse cleanly, has no function, or has nothing besides a docstring.
pub fn strip_function(code: &str) -> Option<String> {
    let src = normalize_newlines(code);
    let tree = parse(&src)?;
    if tree.root_node().has_error() {
        return None;
    }
    let function = preorder(tree.root_node()).find(|n| n.kind() == "function_definition")?;
    match docstring_statement(&src, function) {
        Some((statement, _)) => stripped_code(&src, function, statement),
        None => {
            let (strings, comments) = strings_and_comments(function);
            let removals = comments.into_iter().map(|r| extend_left(&src, r)).collect();
            Some(render(
                &src,
                function,
                &Render {
                    removals,
                    strings: &strings,
                    drop_blank: true,
                },
            ))
        }
    }
}
