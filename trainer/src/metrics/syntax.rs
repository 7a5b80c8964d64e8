//! Syntax validity: does the generated code parse as Python?
//!
//! tree-sitter is error-tolerant: it always returns a tree and marks what it could not parse with
//! ERROR nodes (unexpected input) or MISSING nodes (a token it had to invent, e.g. a closing `)`).
//! Code is valid when neither appears; `Node::has_error` is true for both.
//!
//! tree-sitter-python is also more lenient than Python in ways that matter for model output. On
//! 12,464 variants of standard-library functions (truncated after a token, a token deleted, a line
//! indented further, a line break inserted), it accepted 1,620 of the 7,475 that Python's
//! `ast.parse` rejects. The rules it does not enforce are checked here on its tree, after which 3
//! variants remain judged differently from `ast.parse` (`namespace,` followed by a new line reads as
//! unfinished here; `(*a, **kw).f()` passes; `return *x` fails here and in Python's compiler, which
//! `ast.parse` does not run). The rules:
//!
//! * a block needs a statement (`def f(x):` and nothing more: how a decoder that stops early fails);
//! * `try` needs an `except` or `finally` clause (the same failure, one block deeper);
//! * the statements of a block that begin a line start in the same column, top-level ones in
//!   column 0 (a stray `<indent>` marker gives Python's "unexpected indent");
//! * a line break outside brackets, strings and `\` continuations ends the statement (`x =` then
//!   `1` on the next line; tree-sitter reads on);
//! * no positional argument after a keyword argument (`f(a=1, b)`), no parameter without a default
//!   after one with a default (`def f(a=1, b)`), no bare `*` without a named parameter after it
//!   (`def f(*, **kw)`), no `**mapping` outside calls and dicts, no `(*items)`.
//!
//! Still accepted, as tree-sitter-python accepts them: Python 2's `print x` and `exec code`
//! statements, and errors Python only finds after parsing (`return` outside a function).

use tree_sitter::{Node, Parser};

/// A reusable Python parser. Making one per example would work too, but a test set has thousands.
pub struct SyntaxChecker {
    parser: Parser,
}

impl SyntaxChecker {
    /// A checker for the Python grammar of `tree-sitter-python`.
    pub fn new() -> Self {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("the tree-sitter-python grammar matches the tree-sitter library version");
        SyntaxChecker { parser }
    }

    /// Whether `source` parses with no ERROR or MISSING node and follows the rules listed in the
    /// [module documentation](self).
    ///
    /// Empty (or whitespace-only) source counts as invalid: it is a valid Python module, but as
    /// the answer to "write this function" it is a failure, not a success.
    pub fn is_valid(&mut self, source: &str) -> bool {
        if source.trim().is_empty() {
            return false;
        }
        self.parser.parse(source, None).is_some_and(|tree| {
            let root = tree.root_node();
            !root.has_error() && structure_is_valid(root) && line_breaks_are_valid(root, source)
        })
    }
}

impl Default for SyntaxChecker {
    fn default() -> Self {
        Self::new()
    }
}

/// The children of `node`, in order.
fn children(node: Node) -> Vec<Node> {
    node.children(&mut node.walk()).collect()
}

/// The rules on the tree: no empty block, no `try` without a handler, statements of a block
/// aligned, arguments and parameters in an order Python accepts.
fn structure_is_valid(root: Node) -> bool {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        let valid = match node.kind() {
            "module" => line_start_columns(node).iter().all(|&column| column == 0),
            "block" => {
                let columns = line_start_columns(node);
                !columns.is_empty() && columns.iter().all(|&column| column == columns[0])
            }
            "try_statement" => children(node).iter().any(|c| {
                matches!(
                    c.kind(),
                    "except_clause" | "except_group_clause" | "finally_clause"
                )
            }),
            "argument_list" => arguments_in_order(node),
            "parameters" | "lambda_parameters" => parameters_in_order(node),
            // `**mapping` only in a call or a dict (tree-sitter reads `(**kw,)` as `*(*kw)`);
            // `*items` not alone in parentheses: `(*a)` is an error, `(*a,)` a tuple.
            "dictionary_splat" => node
                .parent()
                .is_some_and(|p| matches!(p.kind(), "argument_list" | "dictionary")),
            "list_splat" => node
                .parent()
                .is_some_and(|p| !matches!(p.kind(), "parenthesized_expression" | "list_splat")),
            "tuple" => {
                node.named_child_count() != 1 || children(node).iter().any(|c| c.kind() == ",")
            }
            _ => true,
        };
        if !valid {
            return false;
        }
        pending.extend(children(node));
    }
    true
}

/// No positional argument after a keyword argument or `**mapping`: `f(a=1, b)` is an error
/// (`*args` after a keyword argument is allowed).
fn arguments_in_order(node: Node) -> bool {
    let mut cursor = node.walk();
    let mut keywords_seen = false;
    for argument in node.named_children(&mut cursor) {
        match argument.kind() {
            "keyword_argument" | "dictionary_splat" => keywords_seen = true,
            "list_splat" | "comment" => {}
            _ if keywords_seen => return false,
            _ => {}
        }
    }
    true
}

/// No parameter without a default after one with a default, unless a `*` or `*args` came in between
/// (keyword-only parameters need no default): `def f(a=1, b)` is an error. A bare `*` must be
/// followed by a named parameter: `def f(*, **kw)` is an error too.
fn parameters_in_order(node: Node) -> bool {
    let mut cursor = node.walk();
    let parameters: Vec<Node> = node
        .named_children(&mut cursor)
        .filter(|p| p.kind() != "comment")
        .collect();
    let mut default_seen = false;
    for (i, parameter) in parameters.iter().enumerate() {
        if parameter.kind() == "keyword_separator" {
            let next = parameters.get(i + 1).map(|p| p.kind());
            return !matches!(next, None | Some("dictionary_splat_pattern"));
        }
        if is_star(*parameter) {
            return true;
        }
        match parameter.kind() {
            "default_parameter" | "typed_default_parameter" => default_seen = true,
            "identifier" | "typed_parameter" if default_seen => return false,
            _ => {}
        }
    }
    true
}

/// Whether a parameter is `*args` (possibly `*args: T`).
fn is_star(parameter: Node) -> bool {
    parameter.kind() == "list_splat_pattern"
        || (parameter.kind() == "typed_parameter"
            && children(parameter)
                .iter()
                .any(|c| c.kind() == "list_splat_pattern"))
}

/// The start columns of the statements of a `module` or `block` that begin a line: the first one,
/// and every one that does not follow another on the same line (`a = 1; b = 2` is one line).
fn line_start_columns(node: Node) -> Vec<usize> {
    let mut cursor = node.walk();
    let statements: Vec<Node> = node
        .named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect();
    let mut columns = Vec::new();
    let mut previous_end_row = None;
    for statement in statements {
        let start = statement.start_position();
        if previous_end_row != Some(start.row) {
            columns.push(start.column);
        }
        previous_end_row = Some(statement.end_position().row);
    }
    columns
}

/// Whether every line break between two tokens is one Python allows: inside brackets, after a `\`,
/// or before a token that starts a statement or a clause (`else:`, `except:`, a decorated `def`).
fn line_breaks_are_valid(root: Node, source: &str) -> bool {
    let mut tokens = Vec::new();
    collect_tokens(root, &mut tokens);
    let mut depth = 0i32;
    for pair in tokens.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        match before.kind() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            _ => {}
        }
        let breaks = after.start_position().row > before.end_position().row;
        if breaks && depth <= 0 && !continues(before, source) && !starts_a_line(after) {
            return false;
        }
    }
    true
}

/// Whether the line ends with a `\` right after `token`. tree-sitter shows the backslash as a
/// `line_continuation` node only in some places, so the source text is looked at too.
fn continues(token: Node, source: &str) -> bool {
    let rest_of_line = source[token.end_byte()..].lines().next().unwrap_or("");
    token.kind() == "line_continuation" || rest_of_line.trim() == "\\"
}

/// The tokens under `node`, in order: its leaves, with each string literal as one token (its
/// content may span lines) and without comments (a comment may stand anywhere).
fn collect_tokens<'tree>(node: Node<'tree>, tokens: &mut Vec<Node<'tree>>) {
    match node.kind() {
        "comment" => {}
        "string" => tokens.push(node),
        _ if node.child_count() == 0 => tokens.push(node),
        _ => children(node)
            .into_iter()
            .for_each(|c| collect_tokens(c, tokens)),
    }
}

/// Whether `token` begins a statement (a child of a module or block), a clause, a decorator or a
/// decorated definition: the places where a new line may begin outside brackets.
fn starts_a_line(token: Node) -> bool {
    let mut node = token;
    loop {
        let Some(parent) = node.parent() else {
            return false;
        };
        let line_start = matches!(
            node.kind(),
            "else_clause"
                | "elif_clause"
                | "except_clause"
                | "except_group_clause"
                | "finally_clause"
                | "case_clause"
                | "decorator"
        ) || matches!(parent.kind(), "module" | "block" | "decorated_definition");
        if line_start {
            return true;
        }
        if parent.start_byte() != token.start_byte() {
            return false;
        }
        node = parent;
    }
}
