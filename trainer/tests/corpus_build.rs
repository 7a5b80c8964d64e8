//! Building corpora from wheels, sdists and folders: skip rules, filters, deduplication, splits,
//! determinism and safe output.

mod corpus_common;

use corpus_common::{TempDir, function, make_sdist, make_wheel};
use std::collections::{BTreeMap, BTreeSet};
use trainer::corpus::filters::DropReason;
use trainer::corpus::source::SkipReason;
use trainer::corpus::{
    BuildOptions, CorpusError, KeptSplits, Omit, Partition, build_corpus, build_to_file,
    load_pairs, within_limits,
};

const FORCE: BuildOptions = BuildOptions {
    force: true,
    partition_seed: 0,
    omit: Omit {
        original_string: false,
        code_tokens: false,
        docstring_tokens: false,
    },
    kept_splits: KeptSplits(std::collections::BTreeMap::new()),
};

const CORE: &str = r#"
def compute_total(items):
    """Compute the total of all items."""
    return sum(items)

def test_compute_total():
    """Check that compute total works."""
    assert compute_total([1]) == 1

class Checker:
    def __init__(self):
        """Create a new checker object."""
        self.ok = True

    def run_tests(self):
        """Run every check there is."""
        return self.ok

    def short(self):
        """Too short"""
        return 1

def copy_of_total(things):
    """Another name and argument: not a duplicate."""
    return sum(things)

def helper(x): return x
"#;

fn folder_package(dir: &TempDir) -> std::path::PathBuf {
    let root = dir.path().join("toypkg");
    dir.write("toypkg/toypkg/core.py", CORE);
    dir.write(
        "toypkg/toypkg/tests/test_core.py",
        function("in_tests_folder", 1),
    );
    dir.write("toypkg/toypkg/test_helpers.py", function("in_test_file", 1));
    dir.write(
        "toypkg/toypkg/helpers_test.py",
        function("in_test_file2", 1),
    );
    dir.write("toypkg/conftest.py", function("in_conftest", 1));
    dir.write("toypkg/toypkg/testing/util.py", function("in_testing", 1));
    dir.write("toypkg/toypkg/_vendor/six.py", function("vendored", 1));
    dir.write("toypkg/toypkg/third_party/lib.py", function("third", 1));
    dir.write("toypkg/toypkg/data.json", "{}");
    dir.write("toypkg/toypkg/broken.py", "def broken(:\n    pass\n");
    dir.write("toypkg/toypkg/latin1.py", b"x = '\xe9'\n");
    dir.write(
        "toypkg/toypkg/dup.py",
        function("compute_again", 2) + &function("compute_again_too", 2),
    );
    dir.write("toypkg/toypkg/again.py", function("compute_again", 2));
    root
}

#[test]
fn folder_filters_and_skip_rules() {
    let dir = TempDir::new("filters");
    let root = folder_package(&dir);
    let corpus = build_corpus(&[root], 0).unwrap();
    let s = &corpus.summary;
    let names: Vec<&str> = corpus
        .records
        .iter()
        .map(|r| r.func_name.as_str())
        .collect();
    // Files in path order (again.py, core.py, dup.py); dup.py's `compute_again` duplicates again.py's.
    assert_eq!(
        names,
        [
            "compute_again",
            "compute_total",
            "copy_of_total",
            "compute_again_too"
        ],
        "{s}"
    );
    assert_eq!(s.files_read, 5);
    let skipped: BTreeMap<SkipReason, usize> = [
        (SkipReason::NotPython, 1),
        (SkipReason::TestFile, 5),
        (SkipReason::Vendored, 2),
    ]
    .into();
    assert_eq!(s.files_skipped, skipped);
    assert_eq!(
        s.unparsable_files,
        [
            "toypkg/toypkg/broken.py: syntax error near line 1",
            "toypkg/toypkg/latin1.py: not UTF-8"
        ]
    );
    assert_eq!(s.functions_seen, 10);
    let dropped: BTreeMap<DropReason, usize> = [
        (DropReason::NoDocstring, 1),
        (DropReason::TestName, 2),
        (DropReason::Dunder, 1),
        (DropReason::ShortDocstring, 1),
        (DropReason::Duplicate, 1),
    ]
    .into();
    assert_eq!(s.dropped, dropped, "{s}");
    assert_eq!(s.kept, 4);
    let first = &corpus.records[1];
    assert_eq!(first.repo, "toypkg");
    assert_eq!(first.path, "toypkg/core.py");
    assert_eq!(first.url, "dir:toypkg/toypkg/core.py#L2-L4");
    assert_eq!(
        first.code,
        "def compute_total(items):\n    return sum(items)"
    );
    assert_eq!(
        first.code_tokens,
        [
            "def",
            "compute_total",
            "(",
            "items",
            ")",
            ":",
            "return",
            "sum",
            "(",
            "items",
            ")"
        ]
    );
    assert_eq!(
        first.docstring_tokens,
        ["Compute", "the", "total", "of", "all", "items", "."]
    );
    assert_eq!(first.language, "python");
}

#[test]
fn duplicates_keep_the_first_package_by_name() {
    let dir = TempDir::new("dups");
    let shared = function("shared_helper", 2);
    dir.write("inputs/beta/beta/mod.py", &shared);
    let wheel = make_wheel(
        dir.path(),
        "Alpha",
        "1.0",
        "MIT",
        &[("alpha/mod.py", &shared)],
    );
    let corpus = build_corpus(&[dir.path().join("inputs/beta"), wheel], 0).unwrap();
    assert_eq!(corpus.records.len(), 1);
    assert_eq!(corpus.records[0].repo, "Alpha==1.0");
    assert_eq!(corpus.records[0].url, "pypi:Alpha==1.0/alpha/mod.py#L1-L5");
    assert_eq!(corpus.summary.dropped.get(&DropReason::Duplicate), Some(&1));
}

#[test]
fn sdist_paths_and_metadata() {
    let dir = TempDir::new("sdist");
    let sdist = make_sdist(
        dir.path(),
        "sdpkg",
        "0.1",
        &[("sdpkg/__init__.py", &function("from_sdist", 1))],
    );
    let corpus = build_corpus(&[sdist], 0).unwrap();
    assert_eq!(corpus.records.len(), 1);
    assert_eq!(corpus.records[0].repo, "sdpkg==0.1");
    assert_eq!(corpus.records[0].path, "sdpkg/__init__.py");
    assert_eq!(
        corpus.summary.packages[0].meta.license.as_deref(),
        Some("MIT")
    );
}

/// Twelve wheels plus a folder, with different numbers of functions each.
fn many_packages(dir: &TempDir) -> Vec<std::path::PathBuf> {
    let wheels = dir.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    for p in 0..12 {
        let mut text = String::new();
        for f in 0..(2 + p % 5) {
            text.push_str(&function(&format!("p{p}_f{f}"), 1 + f % 3));
        }
        make_wheel(
            &wheels,
            &format!("pkg{p}"),
            "1.0",
            "MIT",
            &[(&format!("pkg{p}/m.py"), &text)],
        );
    }
    dir.write("folder/mod.py", function("in_folder", 1));
    vec![wheels, dir.path().join("folder")]
}

#[test]
fn splits_are_package_disjoint_and_hold_ten_percent() {
    let dir = TempDir::new("splits");
    let corpus = build_corpus(&many_packages(&dir), 0).unwrap();
    assert_eq!(corpus.summary.packages.len(), 13);
    let mut split_of_repo: BTreeMap<&str, BTreeSet<Partition>> = BTreeMap::new();
    for r in &corpus.records {
        split_of_repo
            .entry(&r.repo)
            .or_default()
            .insert(r.partition);
    }
    assert!(
        split_of_repo.values().all(|s| s.len() == 1),
        "{split_of_repo:?}"
    );
    let within: Vec<_> = corpus
        .records
        .iter()
        .filter(|r| within_limits(*r))
        .collect();
    for p in [Partition::Test, Partition::Valid] {
        let n = within.iter().filter(|r| r.partition == p).count();
        assert!(n * 10 >= within.len(), "{p}: {n} of {}", within.len());
    }
    assert!(
        corpus
            .records
            .iter()
            .any(|r| r.partition == Partition::Train)
    );
    let other_seed = build_corpus(&many_packages(&dir), 7).unwrap();
    let partitions =
        |c: &trainer::corpus::Corpus| c.records.iter().map(|r| r.partition).collect::<Vec<_>>();
    assert_eq!(
        partitions(&corpus),
        partitions(&build_corpus(&many_packages(&dir), 0).unwrap())
    );
    assert_ne!(partitions(&corpus), partitions(&other_seed));
}

#[test]
fn output_is_byte_identical_across_builds_and_input_orders() {
    let dir = TempDir::new("determinism");
    let mut inputs = many_packages(&dir);
    let a = dir.path().join("a.jsonl.gz");
    let b = dir.path().join("b.jsonl.gz");
    build_to_file(&inputs, &a, &BuildOptions::default()).unwrap();
    inputs.reverse();
    build_to_file(&inputs, &b, &BuildOptions::default()).unwrap();
    let bytes = std::fs::read(&a).unwrap();
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    // A gzip header with no file name and mtime 0.
    assert_eq!(&bytes[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    let pairs = load_pairs(&a).unwrap();
    assert_eq!(pairs.len(), 46);
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = TempDir::new("force");
    let inputs = many_packages(&dir);
    let out = dir.path().join("out.jsonl.gz");
    std::fs::write(&out, "precious").unwrap();
    let err = build_to_file(&inputs, &out, &BuildOptions::default()).unwrap_err();
    assert!(matches!(err, CorpusError::OutputExists { .. }));
    assert!(
        err.to_string()
            .contains("already exists (pass --force to overwrite it)"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    build_to_file(&inputs, &out, &FORCE).unwrap();
    assert!(!load_pairs(&out).unwrap().is_empty());
}

#[test]
fn a_failed_build_leaves_the_existing_output_untouched() {
    let dir = TempDir::new("failed");
    let out = dir.path().join("out.jsonl.gz");
    std::fs::write(&out, "precious").unwrap();
    let bad = dir.write("bad-1.0-py3-none-any.whl", "this is not a zip file");
    let err = build_to_file(std::slice::from_ref(&bad), &out, &FORCE).unwrap_err();
    assert!(matches!(err, CorpusError::Archive { .. }));
    assert!(
        err.to_string()
            .starts_with(&format!("{}: corrupt or unreadable archive", bad.display())),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file is left behind: {leftovers:?}"
    );
}

#[test]
fn corrupt_sdist_and_missing_inputs_are_named() {
    let dir = TempDir::new("corrupt");
    let bad = dir.write("bad-1.0.tar.gz", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]);
    let err = build_corpus(std::slice::from_ref(&bad), 0).unwrap_err();
    assert!(
        err.to_string().starts_with(&bad.display().to_string()),
        "{err}"
    );
    let missing = dir.path().join("nope.whl");
    let err = build_corpus(&[missing], 0).unwrap_err();
    assert!(
        err.to_string().ends_with("nope.whl: does not exist"),
        "{err}"
    );
    let err = build_corpus(&[dir.write("notes.txt", "x")], 0).unwrap_err();
    assert!(err.to_string().contains("unsupported input"), "{err}");
}

#[test]
fn the_same_package_twice_is_an_error() {
    let dir = TempDir::new("twice");
    let a = make_wheel(
        dir.path(),
        "same",
        "1.0",
        "MIT",
        &[("same/a.py", &function("a_fn", 1))],
    );
    let b = make_sdist(
        dir.path(),
        "same",
        "2.0",
        &[("same/a.py", &function("a_fn", 1))],
    );
    let err = build_corpus(&[a, b], 0).unwrap_err();
    assert!(matches!(err, CorpusError::DuplicatePackage { .. }), "{err}");
}

#[test]
fn attribution_table_lists_packages_and_licenses() {
    let dir = TempDir::new("attribution");
    let wheel = make_wheel(
        dir.path(),
        "licensed",
        "2.0",
        "Apache-2.0",
        &[("licensed/a.py", &function("a_fn", 1))],
    );
    let corpus = build_corpus(&[wheel], 0).unwrap();
    let table = trainer::corpus::attribution::markdown(&corpus.summary);
    let row = table
        .lines()
        .find(|l| l.starts_with("| licensed "))
        .unwrap();
    assert!(
        row.starts_with(
            "| licensed | 2.0 | Apache-2.0 | PyPI `licensed-2.0-py3-none-any.whl` (sha256 "
        ),
        "{row}"
    );
    assert!(row.ends_with(" | 1 |"), "{row}");
}

#[test]
fn command_line_build_and_refusal() {
    let dir = TempDir::new("cli");
    let wheel = make_wheel(
        dir.path(),
        "clipkg",
        "1.0",
        "MIT",
        &[("clipkg/a.py", &function("a_fn", 1))],
    );
    let out = dir.path().join("c.jsonl.gz");
    let md = dir.path().join("ATTRIBUTION.md");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
            .args(["corpus", "build", "--input"])
            .arg(&wheel)
            .arg("--out")
            .arg(&out)
            .arg("--attribution")
            .arg(&md)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("kept: 1"));
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("| clipkg | 1.0 | MIT |")
    );
    let second = run(&[]);
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr)
            .contains("already exists (pass --force to overwrite it)")
    );
    assert!(run(&["--force"]).status.success());
}

#[test]
fn kept_splits_pin_packages_and_a_bad_file_names_its_line() {
    let dir = TempDir::new("kept-splits");
    let inputs = many_packages(&dir);
    let out = dir.path().join("c.jsonl.gz");
    let splits = dir.path().join("splits.txt");
    let build = |kept: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
            .args(["corpus", "build", "--force", "--input"])
            .args(&inputs)
            .arg("--out")
            .arg(&out)
            .arg("--keep-splits")
            .arg(kept)
            .arg("--write-splits")
            .arg(&splits)
            .output()
            .unwrap()
    };
    // Pin every package to train but one, which goes to test: the pins win over the hash order.
    let pins: String = (0..12)
        .map(|p| format!("pkg{p} {}\n", if p == 3 { "test" } else { "train" }))
        .collect();
    let first = build(&dir.write("pins.txt", pins));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let split_of = |repo: &str| {
        load_pairs(&out)
            .unwrap()
            .into_iter()
            .filter(|p| p.repo.starts_with(repo))
            .map(|p| p.partition.unwrap())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(split_of("pkg3=="), BTreeSet::from(["test".to_string()]));
    assert_eq!(split_of("pkg4=="), BTreeSet::from(["train".to_string()]));
    // The unpinned folder tops up valid, the one split the pins leave empty.
    assert_eq!(split_of("folder"), BTreeSet::from(["valid".to_string()]));
    // The written file pins all 13 and rebuilds the same corpus.
    let written = std::fs::read_to_string(&splits).unwrap();
    assert_eq!(written.lines().count(), 13, "{written}");
    let bytes = std::fs::read(&out).unwrap();
    let copy = dir.write("written.txt", written);
    assert!(build(&copy).status.success());
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    let bad = build(&dir.write("bad.txt", "pkg1 train\npkg2 held-out\n"));
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("bad.txt:2: unknown partition `held-out`"),
        "{stderr}"
    );
}

#[test]
fn omitted_fields_are_recomputed_by_the_loader() {
    let dir = TempDir::new("omit");
    let inputs = many_packages(&dir);
    let (full, slim) = (
        dir.path().join("full.jsonl.gz"),
        dir.path().join("slim.jsonl.gz"),
    );
    build_to_file(&inputs, &full, &BuildOptions::default()).unwrap();
    let omit = Omit::from_names(&["original_string", "code_tokens", "docstring_tokens"]).unwrap();
    build_to_file(
        &inputs,
        &slim,
        &BuildOptions {
            omit,
            ..BuildOptions::default()
        },
    )
    .unwrap();
    assert!(std::fs::metadata(&slim).unwrap().len() < std::fs::metadata(&full).unwrap().len());
    assert_eq!(load_pairs(&slim).unwrap(), load_pairs(&full).unwrap());
    assert_eq!(Omit::from_names(&["code"]), Err("code".to_string()));
}
