//! Multi-layer vanilla (tanh) RNN and LSTM, one time step at a time.
//!
//! Each layer and step is one `cat([x, h]) @ W + b` product — `[B, in + H] x [in + H, G*H]` with `G = 4`
//! gates for the LSTM and `1` for the RNN — followed by the gate nonlinearities on slices of that fused
//! tensor. Why per step rather than projecting all inputs of a sequence in one matmul: under Burn's
//! autodiff the backward of every per-step slice of a `[B, T, G*H]` projection allocates and fills a
//! zero tensor of the whole `[B, T, G*H]` size, which costs far more than the batched product saves
//! (measured: see `model::bench`). Concatenation, in contrast, backpropagates by cheap slicing, so
//! per-step inputs and outputs are joined with `cat`/`stack` and never cut out of a bigger tensor.
//!
//! LSTM gates are laid out `[i, f, o, g]` (PyTorch uses `[i, f, g, o]`), and the candidate is computed as
//! `g = 2 sigmoid(z_g) - 1 = tanh(z_g / 2)`: its weights are stored doubled (initialised from
//! `U(-2/sqrt(H), 2/sqrt(H))`), an exact reparameterisation of PyTorch's `tanh(z_g)` with the same
//! distribution at initialisation. One `sigmoid` then activates all four gates; Burn's `tanh` is slow on
//! the CPU (see [`super::tanh`]).

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::{sigmoid, tanh, uniform_tensor};

/// The recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// `h' = tanh(W [x; h] + b)`.
    Rnn,
    /// Long short-term memory with input, forget and output gates.
    Lstm,
}

impl CellKind {
    /// Fused pre-activations per hidden unit.
    pub fn gates(self) -> usize {
        match self {
            CellKind::Rnn => 1,
            CellKind::Lstm => 4,
        }
    }
}

/// Configuration of a [`Recurrent`] stack.
#[derive(Config, Debug)]
pub struct RecurrentConfig {
    pub cell: CellKind,
    /// Size of the external input of the first layer (per step).
    pub input_size: usize,
    pub hidden_size: usize,
    #[config(default = 2)]
    pub num_layers: usize,
    /// Dropout on the input of every layer but the first (as `torch.nn.LSTM(dropout=..)`).
    #[config(default = 0.5)]
    pub dropout: f64,
}

/// One layer: the fused weight of `[x; h]` and the bias.
#[derive(Module, Debug)]
pub struct RecurrentLayer {
    /// `[input_size + hidden_size, gates * hidden_size]`: rows for `x`, then rows for `h`.
    pub weight: Param<Tensor<2>>,
    /// `[gates * hidden_size]` (PyTorch's `b_ih + b_hh`).
    pub bias: Param<Tensor<1>>,
}

/// A stack of recurrent layers with dropout between them.
#[derive(Module, Debug)]
pub struct Recurrent {
    pub layers: Vec<RecurrentLayer>,
    pub dropout: Dropout,
    /// `true` for LSTM cells, `false` for tanh RNN cells.
    pub lstm: bool,
    pub hidden_size: usize,
}

/// The state of one layer: `h` `[B, H]` and, for the LSTM, the cell `c` `[B, H]`.
#[derive(Debug, Clone)]
pub struct LayerState {
    pub h: Tensor<2>,
    pub c: Option<Tensor<2>>,
}

impl LayerState {
    /// Rows `indices` of the state (beam search reorders and expands hypotheses).
    pub fn select(&self, indices: Tensor<1, Int>) -> Self {
        Self {
            h: self.h.clone().select(0, indices.clone()),
            c: self.c.as_ref().map(|c| c.clone().select(0, indices)),
        }
    }

    /// `[self; other]` along the hidden axis (a bidirectional encoder's two final states).
    pub fn concat(&self, other: &Self) -> Self {
        let cat = |a: &Tensor<2>, b: &Tensor<2>| Tensor::cat(vec![a.clone(), b.clone()], 1);
        Self {
            h: cat(&self.h, &other.h),
            c: self
                .c
                .as_ref()
                .zip(other.c.as_ref())
                .map(|(a, b)| cat(a, b)),
        }
    }
}

impl RecurrentConfig {
    /// PyTorch's initialisation: every weight and bias from `U(-1/sqrt(H), 1/sqrt(H))`.
    pub fn init(&self, device: &Device) -> Recurrent {
        assert!(
            self.num_layers > 0,
            "a recurrent stack needs at least one layer"
        );
        let h = self.hidden_size;
        let g = self.cell.gates() * h;
        let bound = 1.0 / (h as f64).sqrt();
        let layers = (0..self.num_layers)
            .map(|l| {
                let input = if l == 0 { self.input_size } else { h };
                // LSTM: the candidate gate's columns (the last H) are stored doubled.
                let sigmoid_columns = g - if self.cell == CellKind::Lstm { h } else { 0 };
                let doubled = g - sigmoid_columns;
                let weight = Tensor::cat(
                    vec![
                        uniform_tensor([input + h, sigmoid_columns], bound, device),
                        uniform_tensor([input + h, doubled], 2.0 * bound, device),
                    ],
                    1,
                );
                let bias = Tensor::cat(
                    vec![
                        uniform_tensor([sigmoid_columns], bound, device),
                        uniform_tensor([doubled], 2.0 * bound, device),
                    ],
                    0,
                );
                RecurrentLayer {
                    weight: Param::from_tensor(weight),
                    bias: Param::from_tensor(bias),
                }
            })
            .collect();
        Recurrent {
            layers,
            dropout: DropoutConfig::new(self.dropout).init(),
            lstm: self.cell == CellKind::Lstm,
            hidden_size: h,
        }
    }
}

impl Recurrent {
    pub fn cell(&self) -> CellKind {
        if self.lstm {
            CellKind::Lstm
        } else {
            CellKind::Rnn
        }
    }

    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// All-zero states for a batch of `batch_size` (PyTorch's default initial state).
    pub fn zero_state(&self, batch_size: usize, device: &Device) -> Vec<LayerState> {
        let zeros = || Tensor::zeros([batch_size, self.hidden_size], device);
        (0..self.layers.len())
            .map(|_| LayerState {
                h: zeros(),
                c: self.lstm.then(zeros),
            })
            .collect()
    }

    /// One time step of every layer -> the top layer's output `[B, H]`; `states` are replaced by the new
    /// states. The first layer's input is the concatenation of `inputs` (`[B, input_size]` in all), passed
    /// in parts so that it is joined with `h` by a single `cat`.
    pub fn step(&self, inputs: Vec<Tensor<2>>, states: &mut [LayerState]) -> Tensor<2> {
        let mut parts = inputs;
        for (l, (layer, state)) in self.layers.iter().zip(states.iter_mut()).enumerate() {
            if l > 0 {
                let below = parts.pop().expect("the layer below's output");
                parts = vec![self.dropout.forward(below)];
            }
            parts.push(state.h.clone());
            // [B, in] ++ [B, H] -> [B, in + H]
            let z = Tensor::cat(std::mem::take(&mut parts), 1).matmul(layer.weight.val())
                + layer.bias.val().unsqueeze::<2>();
            *state = self.cell_update(z, state.c.take());
            parts = vec![state.h.clone()];
        }
        parts.pop().expect("at least one layer")
    }

    /// The cell nonlinearity on the fused pre-activations `z` `[B, G*H]`.
    fn cell_update(&self, z: Tensor<2>, c: Option<Tensor<2>>) -> LayerState {
        let h = self.hidden_size;
        if !self.lstm {
            return LayerState {
                h: tanh(z),
                c: None,
            };
        }
        if let Some((h, c)) = super::fused::lstm_cell(&z, c.as_ref()) {
            return LayerState { h, c: Some(c) };
        }
        lstm_cell(z, c, h)
    }
}

/// The LSTM cell on the fused pre-activations `z` `[B, 4H]` written with Burn's operations (the
/// formulation of [`super::fused::lstm_cell`], used on other backends and in wasm).
pub(crate) fn lstm_cell(z: Tensor<2>, c: Option<Tensor<2>>, hidden: usize) -> LayerState {
    let h = hidden;
    let gates = sigmoid(z); // [B, 4H]: i, f, o, sigmoid(z_g)
    let i = gates.clone().narrow(1, 0, h);
    let f = gates.clone().narrow(1, h, h);
    let o = gates.clone().narrow(1, 2 * h, h);
    let g = gates.narrow(1, 3 * h, h).mul_scalar(2.0).sub_scalar(1.0); // tanh(z_g / 2)
    let c = match c {
        Some(c) => f * c + i * g,
        None => i * g,
    };
    LayerState {
        h: o * tanh(c.clone()),
        c: Some(c),
    }
}
