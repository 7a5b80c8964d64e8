//! The retrieval model (retrieve and edit): the attention model with copy attention, whose source is
//! the description followed by the code of the most similar training functions
//! (`<sos> description <sos> neighbour <eos>`, built by [`crate::retrieval::retrieve`]). Its network
//! is [`AttentionSeq2Seq`]'s, so each step's attention, and the copy it drives, covers the description
//! and the neighbours alike: a generated piece is produced from the vocabulary, copied from the
//! description or copied from a neighbour, and the heatmap shows which.
//!
//! Because the network is the same, a trained copy model is a good start for a retrieval model
//! ([`from_copy_model`], `trainer train --model retrieval --init-from checkpoints/copy`): it already
//! writes code from descriptions, and learns to read the neighbours.

use super::{AnyModel, AttentionSeq2Seq, ModelConfig, ModelKind};
use crate::retrieval::RetrievalConfig;

/// The configuration of a retrieval model with the network of `copy` (an attention model with copy
/// attention); `None` if `copy` is not one.
pub fn config_from_copy(copy: &ModelConfig, retrieval: RetrievalConfig) -> Option<ModelConfig> {
    (copy.kind == ModelKind::Attention && copy.copy).then(|| ModelConfig {
        kind: ModelKind::Retrieval,
        retrieval: Some(retrieval),
        ..copy.clone()
    })
}

/// A copy model's weights as a retrieval model, to train further with neighbours in its source;
/// `None` if `model` is not an attention model with copy attention.
pub fn from_copy_model(model: AnyModel) -> Option<AnyModel> {
    match model {
        AnyModel::Attention(network) if network.copy_gate.is_some() => {
            Some(AnyModel::Retrieval(AttentionSeq2Seq {
                kind: ModelKind::Retrieval,
                ..network
            }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Seq2Seq;
    use burn::prelude::*;

    #[test]
    fn a_copy_model_becomes_a_retrieval_model_with_the_same_weights() {
        let device = Device::flex();
        let mut copy = ModelConfig::new(ModelKind::Attention, 300, 300)
            .with_embedding_size(4)
            .with_hidden_size(8)
            .with_num_layers(1);
        assert!(config_from_copy(&copy, RetrievalConfig::default()).is_none());
        assert!(from_copy_model(copy.init(&device)).is_none());
        copy.copy = true;
        let config = config_from_copy(&copy, RetrievalConfig::default()).unwrap();
        assert_eq!(config.kind, ModelKind::Retrieval);
        assert_eq!(config.encoder, copy.encoder);
        let model = copy.init(&device);
        let before = model.clone().to_record().into_bytes().unwrap();
        let retrieval = from_copy_model(model).unwrap();
        assert_eq!(retrieval.kind(), ModelKind::Retrieval);
        assert_eq!(retrieval.to_record().into_bytes().unwrap(), before);
    }
}
