//! [`attention_spread`]: how widely a model's attention covers the description while it writes.

use super::report::{AttentionSpread, mean};
use model::decode::Hypothesis;

/// The spread of the attention rows of `hypotheses` (every generated token, `<eos>` included), and
/// their mean `p_gen` for a copy model; `None` when the model has no attention. `neighbours_from`
/// gives, per hypothesis of a retrieval model, the first attention column of its neighbours (after
/// the `<sos>` that starts them), so that their share of the weight is measured too.
pub fn attention_spread(
    hypotheses: &[Hypothesis],
    neighbours_from: &[Option<usize>],
) -> Option<AttentionSpread> {
    let rows: Vec<&[f32]> = hypotheses
        .iter()
        .filter_map(|h| h.attention.as_ref())
        .flatten()
        .map(Vec::as_slice)
        .filter(|row| !row.is_empty())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let entropies: Vec<f64> = rows.iter().map(|row| entropy(row)).collect();
    let normalised = rows
        .iter()
        .zip(&entropies)
        .map(|(row, &h)| match row.len() {
            1 => 0.0,
            len => h / (len as f64).ln(),
        });
    let last_two = rows.iter().map(|row| {
        let tail = &row[row.len().saturating_sub(2)..];
        100.0 * tail.iter().map(|&a| f64::from(a)).sum::<f64>()
    });
    let p_gen: Vec<f64> = hypotheses
        .iter()
        .filter_map(|h| h.p_gen.as_ref())
        .flatten()
        .map(|&p| f64::from(p))
        .collect();
    let neighbour_rows = hypotheses
        .iter()
        .zip(neighbours_from)
        .filter_map(|(h, from)| {
            let from = (*from)?;
            Some(h.attention.as_ref()?.iter().map(move |row| {
                // The last column is the source's `<eos>`.
                let pieces = row.get(from..row.len().saturating_sub(1)).unwrap_or(&[]);
                100.0 * pieces.iter().map(|&a| f64::from(a)).sum::<f64>()
            }))
        });
    let neighbour_shares: Vec<f64> = neighbour_rows.flatten().collect();
    Some(AttentionSpread {
        neighbour_share: (!neighbour_shares.is_empty()).then(|| mean(neighbour_shares.into_iter())),
        mean_entropy: mean(entropies.iter().copied()),
        normalised_entropy: mean(normalised),
        last_two_share: mean(last_two),
        mean_p_gen: (!p_gen.is_empty()).then(|| mean(p_gen.into_iter())),
    })
}

/// `-sum a ln a` in nats (zero weights contribute nothing).
fn entropy(row: &[f32]) -> f64 {
    row.iter()
        .map(|&a| f64::from(a))
        .filter(|&a| a > 0.0)
        .map(|a| -a * a.ln())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hypothesis(attention: Vec<Vec<f32>>, p_gen: Option<Vec<f32>>) -> Hypothesis {
        let mut h = Hypothesis::default();
        h.attention = Some(attention);
        h.p_gen = p_gen;
        h
    }

    #[test]
    fn a_peaked_row_has_no_entropy_and_a_uniform_one_the_most() {
        let peaked = hypothesis(vec![vec![0.0, 0.0, 0.0, 1.0]], None);
        let spread = attention_spread(&[peaked], &[None]).unwrap();
        assert_eq!(spread.mean_entropy, 0.0);
        assert_eq!(spread.normalised_entropy, 0.0);
        assert_eq!(spread.last_two_share, 100.0);
        assert_eq!(spread.mean_p_gen, None);

        let uniform = hypothesis(vec![vec![0.25; 4]], Some(vec![0.2, 0.6]));
        let spread = attention_spread(&[uniform], &[None]).unwrap();
        assert!((spread.mean_entropy - 4f64.ln()).abs() < 1e-6);
        assert!((spread.normalised_entropy - 1.0).abs() < 1e-6);
        assert!((spread.last_two_share - 50.0).abs() < 1e-6);
        assert!((spread.mean_p_gen.unwrap() - 0.4).abs() < 1e-6);
    }

    #[test]
    fn rows_of_every_hypothesis_count_alike() {
        let a = hypothesis(vec![vec![1.0, 0.0], vec![0.5, 0.5]], None);
        let b = hypothesis(vec![vec![0.0, 0.0, 1.0]], None);
        let spread = attention_spread(&[a, b], &[None, None]).unwrap();
        // Rows: 100%, 100%, 100% of the weight on their last two positions; one of three is uniform.
        assert!((spread.last_two_share - 100.0).abs() < 1e-6);
        assert!((spread.normalised_entropy - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn a_model_without_attention_has_no_spread() {
        assert_eq!(attention_spread(&[Hypothesis::default()], &[None]), None);
    }

    #[test]
    fn the_neighbour_share_is_the_weight_after_the_neighbours_sos() {
        // Columns: <sos> a b <sos> n1 n2 <eos>; the neighbour's pieces are columns 4 and 5.
        let h = hypothesis(
            vec![
                vec![0.0, 0.5, 0.2, 0.0, 0.2, 0.1, 0.0],
                vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ],
            None,
        );
        let spread = attention_spread(std::slice::from_ref(&h), &[Some(4)]).unwrap();
        assert!((spread.neighbour_share.unwrap() - 15.0).abs() < 1e-4);
        assert_eq!(
            attention_spread(&[h], &[None]).unwrap().neighbour_share,
            None
        );
    }
}
