//! The grammar of one logical line, one finished lexical token at a time: which tokens may come next
//! ([`Allowed`]), and whether the line may end. It tracks what a Python parser tracks at the token
//! level and no more: whether an operand or an operator is due, per open bracket; what kind of
//! statement the line is (from its first token); the pieces of a `def` or `class` header; pending
//! `lambda`s, conditional expressions and comprehensions; and whether the tokens before an `=` can be
//! assigned to. So `x y`, `f(x) = 1`, `return x =`, `def (self):`, `if x` (no colon) or `else` after a
//! plain statement are ruled out, while every line of the corpus stays possible (a test checks this
//! on every function of the embedded corpus).
//!
//! What comes before and after a line (indentation, which block a line may continue) is the
//! caller's: [`super::SyntaxState`].

/// A compound statement: its header ends with `:` and an indented block follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compound {
    Def,
    Class,
    If,
    Elif,
    Else,
    For,
    While,
    With,
    Try,
    Except,
    Finally,
    /// `match` and `case` (soft keywords: a line starting with them may also be an expression).
    Match,
}

impl Compound {
    fn of_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "def" => Compound::Def,
            "class" => Compound::Class,
            "if" => Compound::If,
            "elif" => Compound::Elif,
            "else" => Compound::Else,
            "for" => Compound::For,
            "while" => Compound::While,
            "with" => Compound::With,
            "try" => Compound::Try,
            "except" => Compound::Except,
            "finally" => Compound::Finally,
            _ => return None,
        })
    }

    /// Whether a block of this kind may follow `previous`, the statement before it at the same
    /// depth (`else` needs an `if`, a loop or an `except` before it; `except` a `try`).
    fn may_follow(self, previous: Option<Compound>) -> bool {
        use Compound::*;
        match self {
            Elif => matches!(previous, Some(If | Elif)),
            Else => matches!(previous, Some(If | Elif | For | While | Except)),
            Except => matches!(previous, Some(Try | Except)),
            Finally => matches!(previous, Some(Try | Except | Else)),
            _ => previous != Some(Try),
        }
    }
}

/// What kind of statement a line is, from its first tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Statement {
    /// Nothing on the line yet.
    Start,
    /// An expression or an assignment.
    Expression,
    /// A keyword then an expression: `return`, `yield`, `raise`, `del`, `assert`, `global`,
    /// `nonlocal`, and `@` (a decorator).
    Keyword(&'static str),
    /// `import ...`, or `from ... import ...` after its `import`.
    Import,
    /// `from ...` before its `import`.
    From,
    /// A compound statement's header, until its `:`.
    Header(Compound),
    /// Just after a header's `:`: the line ends, or a simple statement follows on it (`if x: return`).
    Body,
    /// Only the end of the line may follow: `pass`, `break`, `continue`, a header's `:`.
    Done,
}

/// What a frame wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// An operand, a unary operator or an opening bracket.
    Operand,
    /// An operator, a comma, a closing bracket... after an operand.
    Operator,
    /// A name and nothing else: after `.`, `def`, `class`, `as`.
    Name,
    /// One of these keywords or delimiters.
    Only(&'static [&'static str]),
    /// Nothing but the end of the line.
    End,
}

/// The class of a finished token, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// Nothing before it in this frame.
    Start,
    Open,
    /// A closing bracket; `call`: it closed a call's arguments (`f(x)` cannot be assigned to).
    Close {
        bracket: char,
        call: bool,
    },
    Comma,
    Colon,
    Name,
    Number,
    String,
    Keyword(&'static str),
    Op(&'static str),
    /// `*` or `**` before an operand (`f(*args)`), or `/` in a parameter list.
    Unpack(&'static str),
}

/// One open bracket, or the line's top level.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    /// `(`, `[` or `{`; `None` at the top level.
    open: Option<char>,
    expect: Expect,
    /// The last two tokens in this frame.
    prev: Tok,
    prev2: Tok,
    /// Opened right after an operand: a call's arguments or a subscript.
    call: bool,
    /// A `def`'s parameter list.
    params: bool,
    /// The current parameter already has its default.
    has_default: bool,
    /// The parameters named so far (a name appears once).
    names: Vec<String>,
    /// `lambda`s waiting for their `:`.
    lambdas: u8,
    /// Conditional expressions waiting for their `else`.
    ternaries: u8,
    /// A `for` (of a comprehension, or of a `for` statement) waits for its `in`.
    wants_in: bool,
    /// A comprehension's `for ... in` has been seen: a later `if` is its filter, with no `else`.
    comprehension: bool,
    /// `not` after an operand: only `in` may follow.
    not_in: bool,
    /// Top level: the tokens since the line's start or its last `=` can still be assigned to.
    target: bool,
    /// Top level: an `=` or a `,` has been seen (no augmented assignment after either).
    assigned: bool,
    /// Top level: `->` has been seen in a `def` header; `from` in a `raise`.
    arrow: bool,
    /// Top level: the target has an annotation (`x: int`).
    annotated: bool,
}

impl Frame {
    fn new(open: Option<char>) -> Self {
        Frame {
            open,
            expect: Expect::Operand,
            prev: Tok::Start,
            prev2: Tok::Start,
            call: false,
            params: false,
            has_default: false,
            names: Vec::new(),
            lambdas: 0,
            ternaries: 0,
            wants_in: false,
            comprehension: false,
            not_in: false,
            target: true,
            assigned: false,
            arrow: false,
            annotated: false,
        }
    }

    /// Nothing is pending that must be finished before a `,`, a closing bracket or the line's end.
    fn settled(&self) -> bool {
        self.ternaries == 0 && self.lambdas == 0 && !self.wants_in && !self.not_in
    }

    /// `prev` is a name that starts a parameter or an argument: `(x`, `, x`, `*x`.
    fn at_argument_name(&self) -> bool {
        self.prev == Tok::Name
            && matches!(self.prev2, Tok::Open | Tok::Comma | Tok::Unpack("*" | "**"))
    }

    /// The operand before an `=` can be assigned to: a name, a subscript, a bracketed target.
    fn assignable(&self) -> bool {
        self.target
            && matches!(
                self.prev,
                Tok::Name
                    | Tok::Close { bracket: ']', .. }
                    | Tok::Close {
                        bracket: ')',
                        call: false
                    }
            )
    }
}

/// The grammar state of one logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    statement: Statement,
    /// The compound statement the line's header belongs to (kept after its `:`).
    compound: Option<Compound>,
    /// The line starts with `match` or `case`, which may be names or start a header.
    soft: bool,
    /// A simple statement follows a header's `:` on this line.
    inline: bool,
    /// The line is a `return`, `raise`, `break` or `continue`: nothing after it in its block runs.
    terminal: bool,
    /// The top level first, the innermost open bracket last.
    frames: Vec<Frame>,
}

impl Default for Line {
    fn default() -> Self {
        Line {
            statement: Statement::Start,
            compound: None,
            soft: false,
            inline: false,
            terminal: false,
            frames: vec![Frame::new(None)],
        }
    }
}

/// What may come next on a line: kinds of tokens, and whole keywords and delimiters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Allowed {
    names: bool,
    numbers: bool,
    strings: bool,
    words: Vec<&'static str>,
    /// Names that are not allowed although `names` is (a parameter already named).
    taken: Vec<String>,
    /// The line may end here.
    pub end: bool,
}

/// Binary operators (after an operand, before an operand).
const BINARY: [&str; 21] = [
    "+", "-", "*", "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", "==", "!=", "<", ">",
    "<=", ">=", "and", "or",
];

const AUGMENTED: [&str; 13] = [
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=",
];

/// Python's keywords but `True`, `False` and `None` (which are operands like names).
pub const KEYWORDS: [&str; 32] = [
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Keywords that start a statement (`elif`, `else`, `except`, `finally` also need the right block
/// before them).
const STATEMENTS: [&str; 20] = [
    "return", "yield", "raise", "pass", "break", "continue", "del", "global", "nonlocal", "import",
    "from", "assert", "if", "for", "while", "with", "try", "def", "class", "async",
];

/// Names that are values: no parameter, attribute, function or class is called so.
pub(super) const VALUES: [&str; 3] = ["None", "True", "False"];

/// Keywords that start a simple statement.
const SIMPLE: [&str; 12] = [
    "return", "yield", "raise", "pass", "break", "continue", "del", "global", "nonlocal", "import",
    "from", "assert",
];

/// Every delimiter and operator the rules know, to map a token to a `&'static str`.
const PUNCTUATION: [&str; 47] = [
    "(", ")", "[", "]", "{", "}", ",", ":", ".", "...", "=", "->", "~", ";", ":=", "+", "-", "*",
    "/", "//", "%", "**", "@", "|", "&", "^", "<<", ">>", "==", "!=", "<", ">", "<=", ">=", "+=",
    "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=",
];

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || !c.is_ascii()
}

pub(super) fn is_name(text: &str) -> bool {
    text.chars().next().is_some_and(is_name_start)
        && text.chars().all(|c| is_name_start(c) || c.is_ascii_digit())
}

/// `text` starts a string literal: a quote, after at most two prefix letters.
fn starts_string(text: &str) -> bool {
    let body = text.trim_start_matches(|c: char| "rRbBuUfF".contains(c));
    text.len() - body.len() <= 2 && (body.starts_with('\'') || body.starts_with('"'))
}

fn starts_number(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn keyword(word: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| *k == word)
}

fn punctuation(word: &str) -> Option<&'static str> {
    PUNCTUATION.iter().copied().find(|p| *p == word)
}

impl Tok {
    fn of(token: &str) -> Tok {
        if starts_string(token) {
            Tok::String
        } else if starts_number(token) {
            Tok::Number
        } else if let Some(k) = keyword(token) {
            Tok::Keyword(k)
        } else if is_name(token) {
            Tok::Name
        } else {
            match punctuation(token) {
                Some("(" | "[" | "{") => Tok::Open,
                Some(",") => Tok::Comma,
                Some(":") => Tok::Colon,
                Some(p) => Tok::Op(p),
                None => Tok::Op(""),
            }
        }
    }
}

impl Allowed {
    fn operands() -> Self {
        Allowed {
            names: true,
            numbers: true,
            strings: true,
            ..Allowed::default()
        }
    }

    pub(super) fn only(words: &[&'static str]) -> Self {
        Allowed {
            words: words.to_vec(),
            ..Allowed::default()
        }
    }

    /// Whether a token that starts with `prefix` could be allowed (subword pieces start tokens
    /// before they are finished).
    pub fn may_start(&self, prefix: &str) -> bool {
        if prefix.is_empty() {
            return self.names || self.numbers || self.strings || !self.words.is_empty();
        }
        let first = prefix.chars().next();
        let as_word = self.words.iter().any(|w| w.starts_with(prefix));
        if starts_string(prefix) {
            return self.strings;
        }
        match first {
            Some(c) if c.is_ascii_digit() => self.numbers,
            Some('.') if starts_number(prefix) => self.numbers,
            Some('\'' | '"') => self.strings,
            Some(c) if is_name_start(c) => {
                let string_prefix =
                    prefix.len() <= 2 && prefix.chars().all(|c| "rRbBuUfF".contains(c));
                // (A taken name may still grow into another: `proxy` into `proxy_auth`.)
                as_word || (self.names && is_name(prefix)) || (self.strings && string_prefix)
            }
            Some(_) => as_word,
            None => false,
        }
    }

    /// Whether `name` is one of the names not allowed here (a parameter already named, `None`).
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.iter().any(|t| t == name)
    }

    /// Whether the finished `token` is allowed.
    pub fn accepts(&self, token: &str) -> bool {
        match Tok::of(token) {
            Tok::String => self.strings,
            Tok::Number => self.numbers,
            Tok::Name => self.names && !self.taken.iter().any(|t| t == token),
            _ => self.words.contains(&token),
        }
    }
}

impl Line {
    /// Nothing on the line yet.
    pub fn is_empty(&self) -> bool {
        self.statement == Statement::Start
            && self.frames.len() == 1
            && self.top().prev == Tok::Start
    }

    /// The compound statement this line is (its header, with or without a body on the same line).
    pub fn compound(&self) -> Option<Compound> {
        self.compound
            .filter(|_| self.inline || self.statement == Statement::Body)
    }

    /// The line is a `return`, `raise`, `break` or `continue` statement.
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// The line ends a header (`:`): an indented block must follow.
    pub fn needs_block(&self) -> bool {
        self.statement == Statement::Body && !self.inline
    }

    fn top(&self) -> &Frame {
        &self.frames[0]
    }

    fn frame(&self) -> &Frame {
        self.frames.last().expect("a line always has its top level")
    }

    /// What may come next. `previous`: the statement before this line at the same depth, for the
    /// first token (`else` after an `if` block, nothing but `except` or `finally` after a `try`).
    pub fn allowed(&self, previous: Option<Compound>) -> Allowed {
        let mut allowed = self.allowed_here(previous);
        // `a = 1; b = 2`: where a simple statement may end, another may follow.
        let simple = !matches!(self.statement, Statement::Start | Statement::Body);
        if allowed.end && simple && self.frames.len() == 1 {
            allowed.words.push(";");
        }
        allowed
    }

    fn allowed_here(&self, previous: Option<Compound>) -> Allowed {
        let frame = self.frame();
        match frame.expect {
            Expect::Name => Allowed {
                names: true,
                taken: VALUES.map(String::from).to_vec(),
                ..Allowed::default()
            },
            Expect::Only(words) => Allowed::only(words),
            Expect::End => Allowed {
                end: true,
                ..Allowed::default()
            },
            Expect::Operand if self.statement == Statement::Start => self.statement_start(previous),
            Expect::Operand if self.statement == Statement::Body => self.inline_start(),
            Expect::Operand => self.operand(frame),
            Expect::Operator => self.operator(frame),
        }
    }
}

/// Rules for what may follow, one function per state.
impl Line {
    /// The first token of a statement: an expression, or a keyword that starts a statement.
    fn statement_start(&self, previous: Option<Compound>) -> Allowed {
        if previous == Some(Compound::Try) {
            return Allowed::only(&["except", "finally"]);
        }
        let mut allowed = self.operand(self.frame());
        allowed.words.extend(STATEMENTS);
        allowed.words.extend(["*", "@", "yield"]);
        for word in ["elif", "else", "except", "finally"] {
            if Compound::of_keyword(word).is_some_and(|c| c.may_follow(previous)) {
                allowed.words.push(word);
            }
        }
        allowed
    }

    /// After a header's `:`: the end of the line, or a simple statement.
    fn inline_start(&self) -> Allowed {
        let mut allowed = self.operand(self.frame());
        allowed.words.extend(SIMPLE);
        allowed.words.push("*");
        allowed.end = true;
        allowed
    }

    /// After an operator, an opening bracket, a comma or a keyword: an operand is due.
    fn operand(&self, frame: &Frame) -> Allowed {
        let at_item = matches!(frame.prev, Tok::Open | Tok::Comma);
        if self.statement == Statement::Import {
            let mut allowed = Allowed {
                names: true,
                ..Allowed::default()
            };
            if frame.prev == Tok::Keyword("import") && frame.open.is_none() {
                allowed.words.extend(["(", "*"]);
            }
            if frame.open.is_some() && frame.prev == Tok::Comma {
                allowed.words.push(")");
            }
            return allowed;
        }
        if self.statement == Statement::From {
            let mut allowed = Allowed {
                names: true,
                words: vec![".", "..."],
                ..Allowed::default()
            };
            if matches!(frame.prev, Tok::Op("." | "...")) {
                allowed.words.push("import");
            }
            return allowed;
        }
        let parameter = matches!(frame.prev, Tok::Open | Tok::Comma | Tok::Unpack(_));
        if frame.params && frame.lambdas == 0 && parameter {
            return self.parameter(frame);
        }
        let mut allowed = Allowed::operands();
        allowed.words.extend([
            "(", "[", "{", "-", "+", "~", "...", "not", "lambda", "await",
        ]);
        if at_item && frame.open.is_some() {
            allowed.words.push("yield");
        }
        // `f(**kwargs)`, `{**d}`: not in a tuple or a list.
        let keywords = frame.open == Some('{') || (frame.open == Some('(') && frame.call);
        if at_item && keywords {
            allowed.words.push("**");
        }
        // Unpacking: `f(*args)`, `first, *rest = x`, `for *a, b in x`, `x = *a, b`.
        if at_item
            || matches!(
                frame.prev,
                Tok::Keyword("lambda" | "for" | "yield" | "return") | Tok::Op("=")
            )
        {
            allowed.words.push("*");
        }
        if frame.prev == Tok::Keyword("lambda") || (at_item && frame.lambdas > 0) {
            allowed.words.push("**");
        }
        // `x, = values`
        if frame.open.is_none()
            && frame.prev == Tok::Comma
            && self.statement == Statement::Expression
            && frame.target
        {
            allowed.words.push("=");
        }
        if frame.open == Some('[') && frame.prev == Tok::Colon {
            allowed.words.push(",");
        }
        if frame.prev == Tok::Op("=") {
            allowed.words.push("yield");
        }
        if frame.prev == Tok::Keyword("yield") {
            allowed.words.push("from");
        }
        // Empty brackets and trailing commas; `x[]` is not a subscript.
        let empty = frame.prev == Tok::Open && !(frame.call && frame.open == Some('['));
        let after_slice = frame.prev == Tok::Colon && frame.open == Some('[');
        let bare_yield = frame.prev == Tok::Keyword("yield");
        if (empty || frame.prev == Tok::Comma || after_slice || bare_yield) && frame.settled() {
            allowed.words.extend(frame.open.map(closing));
        }
        if frame.open == Some('[')
            && (at_item || (frame.prev == Tok::Colon && frame.prev2 != Tok::Colon))
        {
            allowed.words.push(":");
        }
        if frame.prev == Tok::Keyword("lambda")
            || (self.compound == Some(Compound::Except) && frame.prev == Tok::Keyword("except"))
        {
            allowed.words.push(":");
        }
        allowed.end = frame.open.is_none()
            && frame.settled()
            && (matches!(frame.prev, Tok::Keyword("return" | "yield" | "raise"))
                || (frame.prev == Tok::Comma
                    && matches!(
                        self.statement,
                        Statement::Expression | Statement::Keyword(_)
                    )));
        allowed
    }

    /// The start of a parameter in a `def`'s list: a name, `*`, `**` or the list's end.
    fn parameter(&self, frame: &Frame) -> Allowed {
        let mut allowed = Allowed {
            names: true,
            taken: frame
                .names
                .iter()
                .cloned()
                .chain(VALUES.map(String::from))
                .collect(),
            ..Allowed::default()
        };
        match frame.prev {
            Tok::Unpack("*" | "/") => allowed.words.extend([",", ")"]),
            Tok::Unpack(_) => {}
            Tok::Open => allowed.words.extend(["*", "**", ")"]),
            Tok::Comma => allowed.words.extend(["*", "**", "/", ")"]),
            _ => {}
        }
        allowed
    }

    /// After an operand: an operator, a trailer (`.`, a call, a subscript), a comma, a closing
    /// bracket, or the end of the line.
    fn operator(&self, frame: &Frame) -> Allowed {
        if frame.not_in {
            return Allowed::only(&["in"]);
        }
        let top = frame.open.is_none();
        match self.statement {
            Statement::Import if top => {
                return Allowed {
                    words: vec![".", ",", "as"],
                    end: true,
                    ..Allowed::default()
                };
            }
            Statement::Import => return Allowed::only(&[".", ",", "as", ")"]),
            Statement::From => return Allowed::only(&[".", "import"]),
            Statement::Header(Compound::Def) if top && !frame.arrow => {
                return Allowed::only(&["->", ":"]);
            }
            Statement::Header(Compound::Class) if top => return Allowed::only(&[":"]),
            _ => {}
        }
        if frame.params && frame.at_argument_name() {
            return Allowed::only(&["=", ":", ",", ")"]);
        }
        let mut allowed = Allowed {
            strings: frame.prev == Tok::String,
            ..Allowed::default()
        };
        allowed.words.extend(BINARY);
        allowed.words.extend(["in", "is", "not", "if", "."]);
        // A number is never called or subscripted, a string never called.
        match frame.prev {
            Tok::Number | Tok::Op("...") => {}
            Tok::String => allowed.words.push("["),
            _ => allowed.words.extend(["(", "["]),
        }
        if frame.ternaries > 0 {
            allowed.words.push("else");
        }
        if !top && !frame.wants_in {
            allowed.words.extend(["for", "async"]);
        }
        if frame.ternaries == 0 {
            allowed.words.push(",");
        }
        if frame.settled() {
            allowed.words.extend(frame.open.map(closing));
        }
        if self.colon_allowed(frame) {
            allowed.words.push(":");
        }
        let header = matches!(self.statement, Statement::Header(_));
        // `(x := f())`, `if m := match(s):`, one name as a whole argument or condition.
        let whole = matches!(
            frame.prev2,
            Tok::Open | Tok::Comma | Tok::Keyword(_) | Tok::Start
        );
        let subject = self.soft && top && frame.prev2 == Tok::Name;
        if frame.prev == Tok::Name
            && (whole || subject)
            && !frame.params
            && (!top || header || self.soft)
        {
            allowed.words.push(":=");
        }
        if self.soft && top && frame.prev2 == Tok::Start {
            // `match x:`, `case 1 | 2:`, `case {"k": v}:`: a soft keyword, then a subject or a pattern.
            allowed.names = true;
            allowed.numbers = true;
            allowed.strings = true;
            allowed.words.extend(["{", "-", "*"]);
        }
        if self.equals_allowed(frame) {
            allowed.words.push("=");
        }
        if top && self.statement == Statement::Expression && frame.assignable() && !frame.assigned {
            allowed.words.extend(AUGMENTED);
        }
        let with = self.compound == Some(Compound::With) && self.statement != Statement::Body;
        if (top && self.compound == Some(Compound::Except)) || with || self.soft {
            allowed.words.push("as");
        }
        if top && self.statement == Statement::Keyword("raise") && !frame.arrow {
            allowed.words.push("from");
        }
        allowed.end = top
            && frame.settled()
            && !matches!(self.statement, Statement::Header(_) | Statement::From);
        allowed
    }

    /// `:` after an operand: a slice, a dict entry, a lambda's body, an annotation, a header's end.
    fn colon_allowed(&self, frame: &Frame) -> bool {
        if frame.lambdas > 0 {
            return frame.ternaries == 0;
        }
        if !frame.settled() {
            return false;
        }
        match frame.open {
            Some('[') => !(frame.prev == Tok::Colon && frame.prev2 == Tok::Colon),
            Some('{') => true,
            Some(_) => frame.params && frame.at_argument_name(),
            None => match self.statement {
                Statement::Header(_) => true,
                // `x: int = 0`, or the end of a `match` or `case` header.
                Statement::Expression => {
                    // Only a name, an attribute or a subscript is annotated.
                    let single = matches!(
                        frame.prev,
                        Tok::Name
                            | Tok::Close {
                                bracket: ']',
                                call: true
                            }
                    );
                    self.soft || (single && frame.target && !frame.assigned && !frame.annotated)
                }
                _ => false,
            },
        }
    }

    /// `=` after an operand: an assignment, a keyword argument, a parameter's default.
    fn equals_allowed(&self, frame: &Frame) -> bool {
        if frame.lambdas > 0 && frame.prev == Tok::Name {
            return true;
        }
        match frame.open {
            None => {
                self.statement == Statement::Expression
                    && (frame.assignable() || (frame.annotated && !frame.assigned))
                    && frame.settled()
            }
            Some('(') if frame.params => !frame.has_default && frame.settled(),
            Some('(') => frame.call && frame.at_argument_name(),
            _ => false,
        }
    }
}

fn closing(open: char) -> &'static str {
    match open {
        '(' => ")",
        '[' => "]",
        _ => "}",
    }
}

/// How a finished token changes the line.
impl Line {
    /// The line after `token` (which [`Line::allowed`] allowed).
    pub fn push(&mut self, token: &str) {
        let tok = Tok::of(token);
        if matches!(tok, Tok::Op(")" | "]" | "}")) && self.frames.len() > 1 {
            return self.close(token);
        }
        if self.statement == Statement::Body {
            self.inline = true;
            self.statement = Statement::Start;
        }
        if tok == Tok::Op(";") {
            self.statement = Statement::Body;
            self.inline = true;
            self.frames = vec![Frame::new(None)];
            return;
        }
        if self.statement == Statement::Start {
            self.soft = !self.inline && matches!(token, "match" | "case");
            self.start_statement(tok);
        }
        if tok == Tok::Keyword("import") {
            self.statement = Statement::Import;
        }
        let statement = self.statement;
        let frame = self
            .frames
            .last_mut()
            .expect("a line always has its top level");
        if tok == Tok::Open {
            return self.open(token);
        }
        let top = frame.open.is_none();
        let operand_due = frame.expect != Expect::Operator;
        let mut next = Expect::Operand;
        match tok {
            Tok::Name | Tok::Number | Tok::String => {
                let parameter = matches!(frame.prev, Tok::Open | Tok::Comma | Tok::Unpack(_));
                if frame.params && frame.lambdas == 0 && parameter {
                    frame.names.push(token.to_string());
                }
                next = match frame.prev {
                    Tok::Keyword("def") => Expect::Only(&["("]),
                    Tok::Keyword("class") => Expect::Only(&["(", ":"]),
                    _ => Expect::Operator,
                };
                if top && tok != Tok::Name {
                    frame.target = false;
                }
            }
            Tok::Comma => {
                frame.has_default = false;
                frame.assigned |= top;
            }
            Tok::Colon if frame.lambdas > 0 => frame.lambdas -= 1,
            Tok::Colon if top && matches!(statement, Statement::Header(_)) => {
                self.statement = Statement::Body;
                *frame = Frame::new(None);
                return;
            }
            Tok::Colon if top && self.soft && !frame.annotated && frame.prev2 != Tok::Start => {
                self.statement = Statement::Body;
                self.compound = Some(Compound::Match);
                *frame = Frame::new(None);
                return;
            }
            Tok::Colon if top => frame.annotated = true,
            // A `case` pattern's guard is not a conditional expression.
            Tok::Keyword("if") if top && self.soft => {}
            // `with open(f) as (a, b):` binds a target; `import x as y` and `except E as e` a name.
            Tok::Keyword("as") if self.compound != Some(Compound::With) => next = Expect::Name,
            Tok::Keyword(word) => next = Self::after_keyword(frame, word, operand_due),
            Tok::Op("." | "...") if statement == Statement::From => {}
            Tok::Op(".") => next = Expect::Name,
            Tok::Op("*") if statement == Statement::Import => next = Expect::End,
            Tok::Op("=") => {
                frame.has_default = true;
                if top {
                    frame.assigned = true;
                    frame.target = true;
                }
            }
            Tok::Op("->") => frame.arrow = true,
            Tok::Op(op @ ("*" | "**" | "/")) if operand_due => {
                frame.expect = next;
                return shift(frame, Tok::Unpack(op));
            }
            Tok::Op("...") => next = Expect::Operator,
            Tok::Op(_) => frame.target &= !top,
            Tok::Colon | Tok::Start | Tok::Open | Tok::Close { .. } | Tok::Unpack(_) => {}
        }
        if self.statement == Statement::Done {
            next = Expect::End;
        }
        frame.expect = next;
        shift(frame, tok);
    }

    /// An opening bracket: a call or subscript after an operand, a `def`'s parameters after its
    /// name, a tuple, list, dict or set otherwise.
    fn open(&mut self, token: &str) {
        let statement = self.statement;
        let frame = self
            .frames
            .last_mut()
            .expect("a line always has its top level");
        let in_header = matches!(frame.expect, Expect::Only(_));
        let params = in_header && statement == Statement::Header(Compound::Def);
        let call = frame.expect == Expect::Operator || in_header;
        frame.expect = Expect::Operator;
        shift(frame, Tok::Open);
        let mut inner = Frame::new(token.chars().next());
        inner.call = call;
        inner.params = params;
        inner.target = false;
        inner.prev = Tok::Open;
        self.frames.push(inner);
    }

    /// A closing bracket: back to the frame around it, after an operand.
    fn close(&mut self, token: &str) {
        let inner = self.frames.pop().expect("a closing bracket closes a frame");
        let frame = self
            .frames
            .last_mut()
            .expect("a line always has its top level");
        frame.expect = Expect::Operator;
        let bracket = token.chars().next().unwrap_or(')');
        shift(
            frame,
            Tok::Close {
                bracket,
                call: inner.call,
            },
        );
    }

    /// What the first token says about the statement.
    fn start_statement(&mut self, tok: Tok) {
        let keyword = match tok {
            Tok::Keyword(k) => k,
            Tok::Op("@") => "@",
            _ => {
                self.statement = Statement::Expression;
                return;
            }
        };
        if !self.inline {
            self.compound = Compound::of_keyword(keyword);
            self.terminal = matches!(keyword, "return" | "raise" | "break" | "continue");
        }
        let compound = Compound::of_keyword(keyword);
        self.statement = match (keyword, compound) {
            ("pass" | "break" | "continue", _) => Statement::Done,
            ("import", _) => Statement::Import,
            ("from", _) => Statement::From,
            ("async", _) => Statement::Start,
            ("not" | "lambda" | "await", _) => Statement::Expression,
            (_, Some(compound)) => Statement::Header(compound),
            (k, None) => Statement::Keyword(k),
        };
        if self.statement == Statement::Header(Compound::For) {
            self.frames[0].wants_in = true;
        }
    }

    /// What a keyword leads to; `operand_due`: it stood where an operand was due.
    fn after_keyword(frame: &mut Frame, word: &'static str, operand_due: bool) -> Expect {
        if frame.open.is_none() && !matches!(word, "not" | "lambda" | "await" | "yield") {
            frame.target = false;
        }
        match word {
            "def" | "class" => Expect::Name,
            "else" | "try" | "finally" if operand_due => Expect::Only(&[":"]),
            "async" => Expect::Only(&["def", "for", "with"]),
            "pass" | "break" | "continue" => Expect::End,
            "not" if !operand_due => {
                frame.not_in = true;
                Expect::Operator
            }
            "in" => {
                frame.not_in = false;
                if frame.wants_in {
                    frame.wants_in = false;
                    frame.comprehension = frame.open.is_some();
                }
                Expect::Operand
            }
            "for" => {
                frame.wants_in = true;
                Expect::Operand
            }
            "if" if !operand_due && !frame.comprehension => {
                frame.ternaries += 1;
                Expect::Operand
            }
            "else" => {
                frame.ternaries = frame.ternaries.saturating_sub(1);
                Expect::Operand
            }
            "lambda" => {
                frame.lambdas += 1;
                Expect::Operand
            }
            "from" if !operand_due => {
                frame.arrow = true;
                Expect::Operand
            }
            _ => Expect::Operand,
        }
    }
}

fn shift(frame: &mut Frame, tok: Tok) {
    frame.prev2 = frame.prev;
    frame.prev = tok;
}
