//! Round-trip and robustness tests of the tokenizer: `layout_tokens ∘ detokenize` is the identity on
//! the layout tokens of valid code, and `detokenize` survives arbitrary token soup.

use model::tokenizer::{DEDENT, INDENT, NEWLINE, TokenKind, detokenize, layout_tokens, lex};

/// Valid Python 3 snippets covering the syntax the round trip must survive.
const SNIPPETS: &[&str] = &[
    "def f(x, y=1):\n    return x + y\n",
    "class A(B, metaclass=M):\n    \"\"\"Doc.\"\"\"\n\n    x: int = 1\n\n    def m(self, *args, **kwargs) -> 'A':\n        return super().m(*args, **kwargs)\n",
    "def outer():\n    def inner(a):\n        def innermost():\n            return a\n        return innermost\n    return inner\nprint(outer()(1)())\n",
    "async def main(urls):\n    async with session() as s:\n        async for chunk in s.stream():\n            await asyncio.sleep(0)\n    return [await fetch(u) for u in urls]\n",
    "@property\ndef x(self):\n    return self._x\n\n\n@decorator(arg, key=1)\n@other.attr\nclass C:\n    pass\n",
    "f = lambda: 0\ng = lambda x, y=2: x * y\nh = lambda *a, **k: 0\nkey = sorted(d, key=lambda k: (-d[k], k))\n",
    "squares = [x ** 2 for x in range(10) if x % 2 == 0]\npairs = {k: v for k, v in items}\nunique = {a for a in b}\ngen = (i for i in it)\nnested = [[j for j in i] for i in m]\n",
    "d = {'a': 1, \"b\": [1, 2, 3], **other}\ns = {1, 2, 3}\nt = (1,)\ne = ()\nl = [1, 2,]\n",
    "a[1:2, ::3]\nb[::-1]\nc[:, 0]\nd[x + 1:]\ne[...]\nf[1:2][3]\ng[lambda: 1]\n",
    "def f(a, b, /, c, *, d, e=1, **kw):\n    pass\n\ndef g(*, x):\n    pass\n",
    "if (n := len(a)) > 10:\n    print(f\"{n} items\")\nwhile (chunk := f.read(10)):\n    pass\n",
    "x = f'{a!r:>{width}} {b:.2f} {{literal}}'\ny = f\"{d['key']}\" + F'{x}' + rf'\\d{n}' + fR\"{'nested'}\"\nz = f'''multi\n{line}\n'''\n",
    "r = r'\\d+\\.\\w*' + R\"C:\\path\\\\\" + br'\\x00' + Rb'x' + b\"bytes\" + u'uni' + B'B'\n",
    "def f():\n    s = '''line one\nless indented 'quote' \"double\"\n  # not a comment\n    '''\n    return s\n",
    "def f():\n    \"\"\"Docstring with \\\"\"\" escaped quotes\n\nand blank lines.\n\"\"\"\n    return 1\n",
    "total = 1 + \\\n    2 + \\\n        3\nif a and \\\n   b:\n    pass\n",
    "result = function(\n    arg1,\n    arg2,  # comment\n\n    key=[\n        1, 2,\n    ],\n)\n",
    "if x:\n\tif y:\n\t\tpass\n\telse:\n\t\treturn\n",
    "try:\n    risky()\nexcept (ValueError, TypeError) as e:\n    raise RuntimeError('x') from e\nexcept Exception:\n    pass\nelse:\n    ok()\nfinally:\n    cleanup()\n",
    "with open(a) as f, open(b) as g:\n    data = f.read()\n",
    "def f():\n    global counter\n    counter += 1\n    def g():\n        nonlocal x\n        x = 2\n",
    "def f(a: int, b: 'str' = 'x', *args: float, **kw: dict) -> Optional[List[int]]:\n    x: Dict[str, int] = {}\n    return None\n",
    "print(-x ** -y)\nz = a if b else -c\nw = x[-1]\nv = not -x\nu = ~x + +y - -z\n",
    "y = 1 .real\nz = 1.5.hex()\nw = 1..__class__\nv = 0x1f.bit_length\n",
    "m = x @ y\nx @= z\nn = a @ b @ c\n",
    "ñame = 1\n变量 = ñame + 2\nनमस्ते = 3\nclass Ünïcode:\n    pass\n",
    "n = [1_000, 0x_FF, 0o777, 0b1010, 1e-5, 1E+10, .5, 1., 3.14j, 1J, 0, 00, 0.0]\n",
    "a **= 2\nb //= 3\nc >>= 1\nd <<= 1\ne |= f\ng ^= h\ni &= j\nk %= 2\nl -= 1\nm *= 2\no /= 3\n",
    "assert x != y, 'message'\ndel a[0], b.c\nraise\nreturn\n",
    "for i, (a, b) in enumerate(zip(x, y)):\n    if i > 2:\n        break\n    elif i < 0:\n        continue\nelse:\n    pass\n",
    "from . import a\nfrom .. import b\nfrom .mod import c as d\nfrom ...pkg.sub import (e, f)\nfrom .... import g\nimport os.path as p, sys\nfrom x import *\n",
    "x = yield\ny = yield from gen()\nz = (yield x)\nawait_ = await_this\n",
    "match command.split():\n    case [action]:\n        pass\n    case [\"go\", direction] if direction in dirs:\n        pass\n    case {\"x\": x, **rest}:\n        pass\n    case _:\n        pass\n",
    "type = 1\nmatch = re.match(p, s)\ncase = match.group(0)\nprint(type, match, case)\n",
    "x = a < b <= c > d >= e == f != g\ny = a is not b\nz = a not in b\nw = a and b or not c\n",
    "a, *b = c\n*d, e = f\nprint(*args, sep='', **kw)\nx = [*a, *b]\ny = {**a, 'b': 1}\n",
    "if x: pass\nwhile 0: break\nfor a in b: print(a); print(b)\nclass E(Exception): pass\n",
    "def f(): ...\nx = ...\nCallable[..., int]\n",
    "    def method(self):\n        return self.x\n",
    "def f(self):\n        '''Method body indented by 8.'''\n        return 1\n",
    "x = (  # comment inside brackets\n    1\n)\n# trailing comment\n",
    "s = 'a' 'b' \"c\"\nt = ('implicit'\n     'concatenation')\n",
    "print(\"a\", end=\"\")\nprint(\"%s=%d\" % (k, v))\n\"\".join(x)\n'{}'.format(1)\n",
    "x = [\n]\ny = {\n}\nz = f(\n)\n",
    "if True:\n    x = 1\n\n\n\n    y = 2\n",
    "def f(x):\r\n    return x\r\n",
    "x = 1  # no trailing newline",
    "x = lambda: (yield)\n",
    "a = b = c = 0\na, b = b, a\n",
    "x = f'{x:{\"a\"}}' + f'{\"\\n\".join(l)}'\n",
    "x = f\"{'a' if b else 'c'}\" + f'{d[\"k\"]!s:^10}'\n",
    "print >>sys.stderr, 'x'\n",
    "class A:\n    def f(self):\n        pass\n\n    def g(self):\n        if x:\n            return 1\n\n\ndef h():\n    pass\n",
];

fn round_trip(code: &str) -> (Vec<String>, String, Vec<String>) {
    let tokens = layout_tokens(code).unwrap_or_else(|e| panic!("{e} in {code:?}"));
    let text = detokenize(&tokens);
    let again =
        layout_tokens(&text).unwrap_or_else(|e| panic!("{e} in detokenized {text:?} of {code:?}"));
    (tokens, text, again)
}

#[test]
fn snippets_round_trip() {
    for code in SNIPPETS {
        let (tokens, text, again) = round_trip(code);
        assert_eq!(again, tokens, "round trip of {code:?} through {text:?}");
    }
}

#[test]
fn detokenized_text_is_a_fixed_point() {
    // Once pretty-printed, printing again changes nothing.
    for code in SNIPPETS {
        let (_, text, again) = round_trip(code);
        assert_eq!(detokenize(&again), text, "{code:?}");
    }
}

#[test]
fn concatenated_snippets_round_trip() {
    // All snippets that start at column 0 as one module: exercises long inputs and dedents across them.
    let module: String = SNIPPETS
        .iter()
        .filter(|s| !s.starts_with(' ') && s.ends_with('\n'))
        .map(|s| s.replace("\r\n", "\n"))
        .collect();
    let (tokens, text, again) = round_trip(&module);
    assert_eq!(again, tokens, "{text}");
}

#[test]
fn pretty_output() {
    let check = |code: &str, expected: &str| {
        assert_eq!(
            detokenize(&layout_tokens(code).unwrap()),
            expected,
            "{code:?}"
        );
    };
    check(
        "def f(x,y = 1) :\n  return x+y",
        "def f(x, y=1):\n    return x + y\n",
    );
    check(
        "class A :\n\tdef f( self ,*a,** k)->int:\n\t\treturn - a[ 0 ] [1:2]",
        "class A:\n    def f(self, *a, **k) -> int:\n        return -a[0][1:2]\n",
    );
    check(
        "x = {'a' : [1,2] , **b}  # comment\n",
        "x = {'a': [1, 2], **b}\n",
    );
    check(
        "if(a):\n    pass\nelse :\n    x=(yield)\n",
        "if (a):\n    pass\nelse:\n    x = (yield)\n",
    );
    check("y = x . real + 1 .real", "y = x.real + 1 .real\n");
    check(
        "def f():\n    '''doc\n  less\n    '''\n",
        "def f():\n    '''doc\n  less\n    '''\n",
    );
}

/// A tiny deterministic generator (no `rand` dependency in this crate).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn detokenize_survives_token_soup() {
    let vocab = [
        NEWLINE,
        INDENT,
        DEDENT,
        "def",
        "f",
        "(",
        ")",
        ":",
        "[",
        "]",
        "{",
        "}",
        ",",
        ".",
        "...",
        "=",
        "==",
        "*",
        "**",
        "-",
        "+",
        "~",
        "@",
        "->",
        ":=",
        "lambda",
        "if",
        "else",
        "return",
        "1",
        "1.",
        ".5",
        "'s'",
        "\"\"\"a\nb\"\"\"",
        "r",
        "x",
        "é",
        "<unk>",
        "<eos>",
        "",
        " ",
        "\\",
        "#",
        "'",
        "from",
        "import",
        ";",
    ];
    let mut rng = Lcg(42);
    for _ in 0..3000 {
        let len = rng.next(40);
        let soup: Vec<&str> = (0..len).map(|_| vocab[rng.next(vocab.len())]).collect();
        let text = detokenize(&soup);
        // Never panics, and the lexer never panics on what it produced either (errors are fine).
        let _ = lex(&text);
        let _ = layout_tokens(&text);
    }
}

#[test]
fn soups_of_valid_tokens_keep_their_tokens() {
    // Whatever the layout, tokens that do lex back come back as written (no accidental merging).
    let vocab = [
        "x", "y", "1", "1.", ".5", "0x1f", "1e5", "'s'", "r'x'", "f'{a}'", "...", ".", ",", ";",
        ":", "=", "==", "!=", "<", ">", "<=", ">>=", "-", "->", "+", "*", "**", "/", "//", "%",
        "@", "~", ":=", "if", "not", "lambda", "in", "None", "(", ")", "[", "]", "{", "}",
    ];
    let mut rng = Lcg(7);
    for _ in 0..3000 {
        let len = 1 + rng.next(12);
        let soup: Vec<&str> = (0..len).map(|_| vocab[rng.next(vocab.len())]).collect();
        let text = detokenize(&soup);
        if let Ok(tokens) = lex(&text) {
            let texts: Vec<String> = tokens
                .into_iter()
                .filter(|t| t.kind != TokenKind::Newline)
                .map(|t| t.text)
                .collect();
            assert_eq!(texts, soup, "{text:?}");
        }
    }
}

#[test]
fn lexing_is_linear() {
    // 20k lines lex quickly: no quadratic behaviour (a quadratic lexer would take minutes here).
    let module = "def f(a, b):\n    return [x ** 2 for x in range(a)] + f'{b!r}'\n".repeat(10_000);
    let start = std::time::Instant::now();
    let tokens = layout_tokens(&module).unwrap();
    assert_eq!(tokens.len(), 10_000 * 27 - 2);
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

#[test]
fn dedent_at_the_end_is_implied() {
    let tokens = layout_tokens("if a:\n    if b:\n        c\nd\n").unwrap();
    assert_eq!(tokens.iter().filter(|t| *t == DEDENT).count(), 2);
    let tokens = layout_tokens("if a:\n    if b:\n        c\n").unwrap();
    assert_eq!(tokens.last().map(String::as_str), Some("c"));
    assert!(!tokens.contains(&DEDENT.to_string()));
}
