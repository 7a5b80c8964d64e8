//! Padded batches and the order they are visited in.
//!
//! Sequences are wrapped as the reference design does (`<sos> tokens <eos>`) and right-padded with
//! `<pad>`. Batches are drawn by length bucketing: similar lengths share a batch, so little compute is spent
//! on padding, while a seeded shuffle keeps the order random and reproducible per epoch.

use burn::prelude::*;

use crate::rng::{Rng, epoch_seed};
use crate::vocab::{EOS, PAD, SOS};

/// One training pair as vocabulary ids, without `<sos>`/`<eos>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub src: Vec<usize>,
    pub tgt: Vec<usize>,
}

/// A batch of examples as tensors on one device.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[B, S]`: `<sos> src <eos> <pad>...`
    pub src: Tensor<2, Int>,
    /// `[B, S]`: true on real tokens (`<sos>`/`<eos>` included), false on padding.
    pub src_mask: Tensor<2, Bool>,
    /// `[B, T]`: `<sos> tgt <eos> <pad>...`
    pub tgt: Tensor<2, Int>,
}

impl Batch {
    /// Wraps and pads `examples` into tensors on `device`.
    pub fn new(examples: &[&Example], device: &Device) -> Self {
        assert!(!examples.is_empty(), "a batch needs at least one example");
        let (src, src_mask) = pad(examples.iter().map(|e| e.src.as_slice()), device);
        let (tgt, _) = pad(examples.iter().map(|e| e.tgt.as_slice()), device);
        Self { src, src_mask, tgt }
    }

    /// Only the sources, for decoding: `(src [B, S], src_mask [B, S])`.
    pub fn sources(sources: &[&[usize]], device: &Device) -> (Tensor<2, Int>, Tensor<2, Bool>) {
        assert!(!sources.is_empty(), "a batch needs at least one source");
        pad(sources.iter().copied(), device)
    }
}

/// `<sos> ids <eos>` for each sequence, right-padded to the longest: `([B, L] ids, [B, L] mask)`.
fn pad<'a>(
    sequences: impl ExactSizeIterator<Item = &'a [usize]> + Clone,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<2, Bool>) {
    let batch_size = sequences.len();
    let len = sequences.clone().map(|s| s.len() + 2).max().unwrap_or(2);
    let mut ids = Vec::with_capacity(batch_size * len);
    let mut mask = Vec::with_capacity(batch_size * len);
    for sequence in sequences {
        let wrapped = std::iter::once(SOS)
            .chain(sequence.iter().copied())
            .chain(std::iter::once(EOS));
        let real = sequence.len() + 2;
        ids.extend(
            wrapped
                .chain(std::iter::repeat_n(PAD, len - real))
                .map(|id| id as i64),
        );
        mask.extend((0..len).map(|i| i < real));
    }
    let ids = Tensor::from_data(TensorData::new(ids, [batch_size, len]), device);
    let mask = Tensor::from_data(TensorData::new(mask, [batch_size, len]), device);
    (ids, mask)
}

/// Xor-ed into the epoch seed for the batch order, so that the shuffle draws another stream than the
/// teacher-forcing coins, which start from the epoch seed itself.
const BATCH_ORDER_STREAM: u64 = 0xB47C_4ED0_5EED_0001;

/// Configuration of the batch order.
#[derive(Config, Debug)]
pub struct BatchingConfig {
    #[config(default = 64)]
    pub batch_size: usize,
    /// How many batches' worth of examples are sorted by length together. 1 = no bucketing; larger
    /// means less padding but less randomness within a batch.
    #[config(default = 50)]
    pub bucket_batches: usize,
}

impl BatchingConfig {
    /// The batches of one epoch, as indices into `examples`: shuffled with `seed` and `epoch`, bucketed by
    /// length, every example exactly once, the batch order shuffled too. The same arguments always give
    /// the same batches, which is what makes training runs and their resumed twins identical.
    pub fn epoch_batches(&self, examples: &[Example], seed: u64, epoch: usize) -> Vec<Vec<usize>> {
        assert!(self.batch_size > 0, "batch size must be positive");
        let mut rng = Rng::new(epoch_seed(seed, epoch) ^ BATCH_ORDER_STREAM);
        let mut order: Vec<usize> = (0..examples.len()).collect();
        rng.shuffle(&mut order);
        let pool_size = self.batch_size * self.bucket_batches.max(1);
        let mut batches = Vec::with_capacity(examples.len().div_ceil(self.batch_size));
        for pool in order.chunks_mut(pool_size) {
            // Stable sort: equal lengths keep their shuffled order.
            pool.sort_by_key(|&i| (examples[i].src.len(), examples[i].tgt.len()));
            batches.extend(pool.chunks(self.batch_size).map(<[usize]>::to_vec));
        }
        rng.shuffle(&mut batches);
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(n: usize) -> Vec<Example> {
        (0..n)
            .map(|i| Example {
                src: vec![5; 1 + i % 7],
                tgt: vec![6; 1 + (i * 3) % 11],
            })
            .collect()
    }

    #[test]
    fn pads_and_masks() {
        let device = Device::flex();
        let a = Example {
            src: vec![7, 8, 9],
            tgt: vec![4],
        };
        let b = Example {
            src: vec![7],
            tgt: vec![4, 5, 6],
        };
        let batch = Batch::new(&[&a, &b], &device);
        let src: Vec<i64> = batch.src.into_data().iter::<i64>().collect();
        assert_eq!(src, vec![1, 7, 8, 9, 2, 1, 7, 2, 0, 0]);
        let mask: Vec<bool> = batch.src_mask.into_data().try_to_vec().unwrap();
        let expected = [true, true, true, true, true, true, true, true, false, false];
        assert_eq!(mask, expected);
        let tgt: Vec<i64> = batch.tgt.into_data().iter::<i64>().collect();
        assert_eq!(tgt, vec![1, 4, 2, 0, 0, 1, 4, 5, 6, 2]);
    }

    #[test]
    fn every_example_once_per_epoch() {
        let data = examples(1000);
        let config = BatchingConfig::new().with_batch_size(64);
        let batches = config.epoch_batches(&data, 1, 0);
        assert_eq!(batches.len(), 1000usize.div_ceil(64));
        assert!(batches.iter().all(|b| b.len() <= 64));
        let mut seen: Vec<usize> = batches.concat();
        seen.sort();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn seeded_and_different_per_epoch() {
        let data = examples(500);
        let config = BatchingConfig::new().with_batch_size(16);
        assert_eq!(
            config.epoch_batches(&data, 9, 3),
            config.epoch_batches(&data, 9, 3)
        );
        assert_ne!(
            config.epoch_batches(&data, 9, 3),
            config.epoch_batches(&data, 9, 4)
        );
        assert_ne!(
            config.epoch_batches(&data, 9, 3),
            config.epoch_batches(&data, 10, 3)
        );
    }

    #[test]
    fn bucketing_reduces_padding() {
        let data = examples(2000);
        let padding = |bucket_batches| {
            let config = BatchingConfig::new()
                .with_batch_size(32)
                .with_bucket_batches(bucket_batches);
            config
                .epoch_batches(&data, 5, 0)
                .iter()
                .map(|b| {
                    let max = b.iter().map(|&i| data[i].src.len()).max().unwrap();
                    b.iter().map(|&i| max - data[i].src.len()).sum::<usize>()
                })
                .sum::<usize>()
        };
        assert!(
            padding(50) * 4 < padding(1),
            "{} vs {}",
            padding(50),
            padding(1)
        );
    }
}
