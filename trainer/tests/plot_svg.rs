//! Every plot writes a well-formed SVG with the expected labels, and bad input or an unwritable path
//! gives an error that names the file or the dimension.
//!
//! The SVGs stay in `target/tmp/plot_svg/` after the run, to be looked at.

use std::path::PathBuf;
use trainer::metrics::LengthBucket;
use trainer::plot::{
    COLOUR_BAR_STEPS, EpochLosses, PlotError, attention_heatmap, bar_chart, bleu_by_length,
    training_curves,
};

fn out(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("plot_svg")
        .join(name)
}

/// Reads the SVG at `path`, checks that it parses as XML with an `<svg>` root, and returns its text.
fn read_svg(path: &PathBuf) -> String {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        svg.trim_start().starts_with("<svg"),
        "{} does not start with <svg",
        path.display()
    );
    let document =
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(document.root_element().tag_name().name(), "svg");
    svg
}

/// The text content of every `<text>` element, trimmed.
fn texts(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn count_elements(svg: &str, tag: &str) -> usize {
    let document = roxmltree::Document::parse(svg).unwrap();
    document
        .descendants()
        .filter(|n| n.has_tag_name(tag))
        .count()
}

fn curve(start: f64) -> Vec<EpochLosses> {
    (1..=10)
        .map(|epoch| {
            let e = epoch as f64;
            (epoch, start / e.sqrt(), start / e.sqrt() + 0.1 * e.ln())
        })
        .collect()
}

#[test]
fn training_curves_draw_train_and_valid_per_model() {
    let path = out("training_curves.svg");
    let series = [
        ("rnn", curve(6.0)),
        ("lstm", curve(5.0)),
        ("attention", curve(4.0)),
    ];
    training_curves(&path, &series).unwrap();
    let texts = texts(&read_svg(&path));
    for expected in [
        "Training and validation loss",
        "epoch",
        "rnn train",
        "lstm valid",
        "attention valid",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
}

#[test]
fn training_curves_skip_missing_losses_but_need_some() {
    let path = out("training_curves_nan.svg");
    let series = [("lstm", vec![(1, 5.0, f64::NAN), (2, 4.0, 4.5)])];
    training_curves(&path, &series).unwrap();
    read_svg(&path);

    let empty: [(&str, Vec<EpochLosses>); 1] = [("lstm", vec![])];
    let error = training_curves(out("training_curves_empty.svg"), &empty).unwrap_err();
    assert!(matches!(error, PlotError::BadInput { .. }), "{error}");
    assert!(
        error.to_string().contains("training_curves_empty.svg"),
        "{error}"
    );
}

fn metrics(bleu: f64, accuracy: f64, exact: f64, syntax: f64) -> Vec<(&'static str, f64)> {
    vec![
        ("BLEU", bleu),
        ("token accuracy", accuracy),
        ("exact match", exact),
        ("syntax valid", syntax),
    ]
}

#[test]
fn bar_chart_draws_one_labelled_bar_per_metric_and_model() {
    let path = out("bar_chart.svg");
    let groups = [
        ("rnn", metrics(10.87, 18.51, 0.0, 41.2)),
        ("lstm", metrics(13.6, 18.68, 0.0, 55.0)),
        ("attention", metrics(21.85, 20.29, 0.5, 63.3)),
    ];
    bar_chart(&path, "Test set metrics", &groups).unwrap();
    let svg = read_svg(&path);
    let texts = texts(&svg);
    for expected in [
        "Test set metrics",
        "rnn",
        "lstm",
        "attention",
        "BLEU",
        "syntax valid",
        "21.9",
        "0.5",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
    // Background + 12 bars + the legend box (fill and border) + 4 legend swatches.
    assert_eq!(count_elements(&svg, "rect"), 1 + 12 + 2 + 4);
}

#[test]
fn bar_chart_rejects_bad_values() {
    let error = bar_chart(
        out("bar_nan.svg"),
        "t",
        &[("rnn", vec![("BLEU", f64::NAN)])],
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"BLEU\" in group \"rnn\" is NaN"),
        "{error}"
    );
    let no_bars: [(&str, Vec<(&str, f64)>); 1] = [("rnn", vec![])];
    assert!(matches!(
        bar_chart(out("bar_none.svg"), "t", &no_bars),
        Err(PlotError::BadInput { .. })
    ));
}

fn buckets(values: &[Option<f64>]) -> Vec<LengthBucket> {
    values
        .iter()
        .enumerate()
        .map(|(i, &bleu)| LengthBucket {
            bucket: format!("{}-{}", i * 10 + 1, i * 10 + 10),
            n: if bleu.is_some() { 100 + i } else { 0 },
            bleu,
        })
        .collect()
}

#[test]
fn bleu_by_length_groups_buckets_with_one_bar_per_model() {
    let path = out("bleu_by_length.svg");
    let series = [
        (
            "rnn",
            buckets(&[Some(14.0), Some(11.0), Some(9.5), Some(8.0), None]),
        ),
        (
            "attention",
            buckets(&[Some(25.0), Some(22.0), Some(20.5), Some(17.0), None]),
        ),
    ];
    bleu_by_length(&path, &series).unwrap();
    let svg = read_svg(&path);
    let texts = texts(&svg);
    for expected in [
        "BLEU by docstring length",
        "1-10 (n=100)",
        "31-40 (n=103)",
        "41-50 (n=0)",
        "rnn",
        "attention",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
    // Background + 8 bars (the empty bucket has none) + the legend box (fill and border) + 2 swatches.
    assert_eq!(count_elements(&svg, "rect"), 1 + 8 + 2 + 2);
}

fn attention(rows: usize, cols: usize) -> Vec<Vec<f32>> {
    (0..rows)
        .map(|g| {
            let raw: Vec<f32> = (0..cols)
                .map(|s| (-((s as f32 - g as f32 * 0.7).powi(2))).exp())
                .collect();
            let sum: f32 = raw.iter().sum();
            raw.iter().map(|w| w / sum).collect()
        })
        .collect()
}

#[test]
fn attention_heatmap_has_one_cell_per_weight_and_token_labels() {
    let path = out("attention_heatmap.svg");
    let src: Vec<String> = "return the sum of a and b if a < b"
        .split(' ')
        .map(String::from)
        .collect();
    let generated: Vec<String> = "def add ( a , b ) : <newline> <indent> return a + b"
        .split(' ')
        .map(String::from)
        .collect();
    let weights = attention(generated.len(), src.len());
    attention_heatmap(&path, &src, &generated, &weights).unwrap();
    let svg = read_svg(&path);
    // Background + one rect per cell + the colour bar's bands.
    let cells = generated.len() * src.len();
    assert_eq!(count_elements(&svg, "rect"), 1 + cells + COLOUR_BAR_STEPS);
    let texts = texts(&svg);
    // Tokens that need escaping in XML come through as themselves.
    for expected in [
        "Attention weights",
        "sum",
        "<",
        "<indent>",
        "return",
        "source tokens (docstring)",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} not in {texts:?}"
        );
    }
    assert!(svg.contains("rotate(270"), "source labels are rotated");
}

#[test]
fn attention_heatmap_cuts_long_labels() {
    let path = out("attention_long_label.svg");
    let src = ["x".repeat(40)];
    attention_heatmap(&path, &src, &["y".to_string()], &[vec![1.0]]).unwrap();
    let texts = texts(&read_svg(&path));
    assert!(
        texts.iter().any(|t| t == &format!("{}…", "x".repeat(23))),
        "{texts:?}"
    );
}

#[test]
fn attention_heatmap_names_the_wrong_dimension() {
    let src = ["a", "b", "c"];
    let generated = ["x", "y"];
    let path = out("attention_bad.svg");

    let error = attention_heatmap(&path, &src, &generated, &attention(3, 3)).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("3 rows but there are 2 generated tokens"),
        "{message}"
    );
    assert!(message.contains("attention_bad.svg"), "{message}");

    let mut weights = attention(2, 3);
    weights[1].pop();
    let message = attention_heatmap(&path, &src, &generated, &weights)
        .unwrap_err()
        .to_string();
    assert!(
        message
            .contains("row 1 (generated token \"y\") has 2 columns but there are 3 source tokens"),
        "{message}"
    );

    weights[1].push(f32::INFINITY);
    let message = attention_heatmap(&path, &src, &generated, &weights)
        .unwrap_err()
        .to_string();
    assert!(message.contains("[1][2] is inf"), "{message}");

    let none: [&str; 0] = [];
    let message = attention_heatmap(&path, &none, &generated, &[vec![], vec![]])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("0 source and 2 generated tokens"),
        "{message}"
    );
    assert!(!path.exists(), "no file is written for bad input");
}

#[test]
fn unwritable_path_names_the_file() {
    // A path "under" a regular file cannot be created.
    let blocker = out("not_a_folder");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "a file").unwrap();
    let path = blocker.join("curves.svg");

    let error = training_curves(&path, &[("lstm", curve(5.0))]).unwrap_err();
    assert!(matches!(error, PlotError::Write { .. }), "{error}");
    assert!(
        error.to_string().contains("not_a_folder/curves.svg"),
        "{error}"
    );

    let error = attention_heatmap(&path, &["a"], &["b"], &[vec![1.0]]).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot write plot {}", path.display())),
        "{error}"
    );
}

#[test]
fn missing_folders_are_created() {
    let path = out("nested/deeper/bars.svg");
    let _ = std::fs::remove_dir_all(out("nested"));
    bar_chart(&path, "nested", &[("m", vec![("BLEU", 1.0)])]).unwrap();
    read_svg(&path);
}
