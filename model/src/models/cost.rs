//! The matrix products of one training forward pass, per model: what no implementation of the model can
//! skip, so the benchmark times them alone as the floor of a training step (see `crate::bench`).

use super::ModelConfig;

/// One matrix product `[m, k] x [k, n]` run `count` times in a forward pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Product {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub count: usize,
}

/// The size of the batch the products are counted for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchShape {
    pub batch_size: usize,
    /// Encoder steps (`<sos>`/`<eos>` included).
    pub src_steps: usize,
    /// Decoder steps (the target length less one).
    pub tgt_steps: usize,
}

/// The fused `[B, in + H] x [in + H, gates * H]` product of each layer and step of a recurrent stack
/// whose first layer reads `input_size` features.
pub(crate) fn recurrent_stack(
    input_size: usize,
    hidden_size: usize,
    num_layers: usize,
    gates: usize,
    batch_size: usize,
    steps: usize,
) -> Vec<Product> {
    (0..num_layers)
        .map(|layer| Product {
            m: batch_size,
            k: if layer == 0 { input_size } else { hidden_size } + hidden_size,
            n: gates * hidden_size,
            count: steps,
        })
        .collect()
}

/// The output layer over all target steps: `[B * steps, features] x [features, V]`.
pub(crate) fn output_layer(config: &ModelConfig, features: usize, shape: &BatchShape) -> Product {
    Product {
        m: shape.batch_size * shape.tgt_steps,
        k: features,
        n: config.decoder.vocab_size,
        count: 1,
    }
}
