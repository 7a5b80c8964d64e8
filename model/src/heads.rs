//! The attention of every layer and head of a generation, for models with several (the Transformer),
//! so that the heatmap can show one layer or one head instead of the mean that decoding reports.
//!
//! Decoding keeps one attention row per step (the last layer's, averaged over heads: what copying
//! uses). Keeping every layer and head of every step would cost each search step `layers x heads`
//! read-backs for a picker most people never open, so the weights are recomputed once, after the search,
//! by a teacher-forced pass over the output ([`crate::models::Seq2Seq::attention_by_head`]): the
//! decoder reads the same prefix at every position as it did while decoding, so the weights are the same.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::Batch;
use crate::checkpoint::Checkpoint;
use crate::decode::{ReadBackError, read_floats_async};
use crate::generate::Generation;
use crate::models::Seq2Seq;

/// Which attention the heatmap shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HeadView {
    /// The mean over the heads of one layer (0-based); of the last layer, what decoding reports.
    Mean { layer: usize },
    /// One head of one layer.
    Head { layer: usize, head: usize },
}

impl HeadView {
    /// For a picker: "layer 3, mean of heads", "layer 1, head 2" (1-based).
    pub fn label(self) -> String {
        match self {
            HeadView::Mean { layer } => format!("layer {}, mean of heads", layer + 1),
            HeadView::Head { layer, head } => format!("layer {}, head {}", layer + 1, head + 1),
        }
    }
}

/// The cross-attention of every layer and head over one generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionHeads {
    pub layers: usize,
    pub heads: usize,
    /// The generation's attention rows (its pieces, and `<eos>` when it finished).
    pub rows: usize,
    /// Its source columns.
    pub cols: usize,
    /// `[layers, heads, rows, cols]`, row-major.
    pub weights: Vec<f32>,
}

impl AttentionHeads {
    /// Every view, the decoding one (the last layer's mean) first, then layer by layer its mean and
    /// its heads.
    pub fn views(&self) -> Vec<HeadView> {
        let last = HeadView::Mean {
            layer: self.layers - 1,
        };
        let mut views = vec![last];
        for layer in 0..self.layers {
            if layer + 1 < self.layers {
                views.push(HeadView::Mean { layer });
            }
            views.extend((0..self.heads).map(|head| HeadView::Head { layer, head }));
        }
        views
    }

    /// The `[rows][cols]` matrix of `view`; rows sum to 1.
    pub fn matrix(&self, view: HeadView) -> Vec<Vec<f32>> {
        let (layer, heads) = match view {
            HeadView::Mean { layer } => (layer, 0..self.heads),
            HeadView::Head { layer, head } => (layer, head..head + 1),
        };
        let count = heads.len() as f32;
        (0..self.rows)
            .map(|row| {
                (0..self.cols)
                    .map(|col| {
                        let sum: f32 = heads.clone().map(|h| self.at(layer, h, row, col)).sum();
                        sum / count
                    })
                    .collect()
            })
            .collect()
    }

    fn at(&self, layer: usize, head: usize, row: usize, col: usize) -> f32 {
        self.weights[((layer * self.heads + head) * self.rows + row) * self.cols + col]
    }
}

/// The attention of every layer and head of `generation`, for a model with several; `None` for the
/// others. Awaits each read-back (any backend).
pub async fn attention_heads_async(
    checkpoint: &Checkpoint,
    generation: &Generation,
    device: &Device,
) -> Result<Option<AttentionHeads>, ReadBackError> {
    let (src, src_mask) = Batch::sources(&[&generation.src_ids], device);
    // `<sos> ids <eos>`: the rows are the ids and `<eos>`, the last dropped if decoding did not end.
    let (tgt, _) = Batch::sources(&[&generation.ids], device);
    let Some(weights) = checkpoint.model.attention_by_head(src, src_mask, tgt) else {
        return Ok(None);
    };
    let [_, layers, heads, steps, cols] = weights.dims();
    let rows = generation.ids.len() + usize::from(generation.finished);
    let weights = weights.narrow(3, 0, rows.min(steps)); // [1, L, H, T-1, S] -> [1, L, H, rows, S]
    Ok(Some(AttentionHeads {
        layers,
        heads,
        rows,
        cols,
        weights: read_floats_async(weights).await?,
    }))
}

/// [`attention_heads_async`] run to completion (not for WebGPU).
pub fn attention_heads(
    checkpoint: &Checkpoint,
    generation: &Generation,
    device: &Device,
) -> Option<AttentionHeads> {
    crate::decode::on_pool(|| {
        futures_lite::future::block_on(attention_heads_async(checkpoint, generation, device))
    })
    .expect("reading back from the CPU")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_start_with_the_decoding_attention_and_matrices_average_heads() {
        // 2 layers, 2 heads, 1 row, 2 columns.
        let heads = AttentionHeads {
            layers: 2,
            heads: 2,
            rows: 1,
            cols: 2,
            weights: vec![1.0, 0.0, 0.0, 1.0, 0.25, 0.75, 0.75, 0.25],
        };
        let views = heads.views();
        assert_eq!(views[0], HeadView::Mean { layer: 1 });
        assert_eq!(views.len(), 1 + 1 + 2 + 2);
        assert_eq!(heads.matrix(HeadView::Mean { layer: 0 }), [[0.5, 0.5]]);
        assert_eq!(
            heads.matrix(HeadView::Head { layer: 1, head: 0 }),
            [[0.25, 0.75]]
        );
        assert_eq!(views[0].label(), "layer 2, mean of heads");
    }
}
