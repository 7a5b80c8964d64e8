//! Copy attention (the pointer-generator of See et al. 2017): each step a learned gate
//! `p_gen = sigmoid(w^T [output; context; embedding] + b)` mixes the vocabulary distribution with the
//! attention over the source positions,
//!
//! `p(w) = p_gen * softmax(logits)[w] + (1 - p_gen) * sum_{j : src_j = w} a_j`,
//!
//! so a piece of the description (a name) can be copied even where the vocabulary distribution gives
//! it little weight. Source and target share one vocabulary, so a source id is the id it is copied as.
//! The model returns `log p(w)`; the training loss (cross-entropy, which renormalises with a softmax
//! that leaves log-probabilities unchanged) is then the mixture's negative log-likelihood.

use burn::prelude::*;
use burn::tensor::IndexingUpdateOp;
use burn::tensor::activation::{sigmoid, softmax};

/// Keeps `log p` finite where both parts of the mixture underflow.
const FLOOR: f64 = 1e-12;

/// `log p(w)` `[.., V]` and `p_gen` `[.., 1]` from the output layer's `logits` `[.., V]`, the gate's
/// pre-activation `gate` `[.., 1]`, the attention `[.., S]` and the source ids `[.., S]` (the same
/// leading dimensions throughout).
pub fn mix<const D: usize>(
    logits: Tensor<D>,
    gate: Tensor<D>,
    attention: Tensor<D>,
    src: Tensor<D, Int>,
) -> (Tensor<D>, Tensor<D>) {
    let p_gen = sigmoid(gate);
    let vocab = softmax(logits, D - 1).mul(p_gen.clone());
    let copied = attention.mul(p_gen.clone().neg().add_scalar(1.0));
    let mixed = vocab.scatter(D - 1, src, copied, IndexingUpdateOp::Add);
    (mixed.add_scalar(FLOOR).log(), p_gen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_the_vocabulary_with_the_attention_on_source_ids() {
        let device = Device::flex();
        // Vocabulary of 4; logits favour id 0 uniformly otherwise.
        let logits = Tensor::<2>::from_floats([[0.0, 0.0, 0.0, 0.0]], &device);
        let gate = Tensor::<2>::from_floats([[0.0]], &device); // p_gen = 0.5
        let attention = Tensor::<2>::from_floats([[0.25, 0.75, 0.0]], &device);
        let src = Tensor::<2, Int>::from_ints([[3, 1, 3]], &device);
        let (log_p, p_gen) = mix(logits, gate, attention, src);
        let p: Vec<f32> = log_p.exp().into_data().try_to_vec::<f32>().unwrap();
        let expected = [0.125, 0.125 + 0.375, 0.125, 0.125 + 0.125];
        for (got, want) in p.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{p:?}");
        }
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let p_gen: Vec<f32> = p_gen.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(p_gen, [0.5]);
    }
}
