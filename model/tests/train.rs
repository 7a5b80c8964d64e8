//! The loss, and every model overfitting a toy dataset.

mod common;

use burn::module::Module;
use burn::prelude::*;
use common::*;
use model::decode::{DecodeConfig, greedy};
use model::models::ModelKind;
use model::rng::Rng;
use model::train::{TrainConfig, Trainer, sequence_loss};

#[test]
fn loss_ignores_padding_and_is_zero_on_an_all_pad_batch() {
    let device = Device::flex();
    // Uniform logits: the loss of every real target is ln(V).
    let logits = Tensor::<3>::zeros([2, 3, 5], &device);
    let tgt = Tensor::<2, Int>::from_data(
        TensorData::new(vec![1i64, 4, 2, 0, 1, 3, 0, 0], [2, 4]),
        &device,
    );
    let loss: f32 = sequence_loss(logits.clone(), tgt).into_scalar();
    assert!((loss - 5f32.ln()).abs() < 1e-5, "{loss}");
    let all_pad = Tensor::<2, Int>::zeros([2, 4], &device);
    let loss: f32 = sequence_loss(logits, all_pad).into_scalar();
    assert_eq!(loss, 0.0);
}

#[test]
fn every_model_overfits_a_toy_dataset() {
    let device = Device::flex().autodiff();
    let examples = toy_examples();
    let batch = batch(&examples, &device);
    for kind in ModelKind::ALL {
        let mut config = tiny_config(kind).with_hidden_size(32);
        if kind == ModelKind::Transformer {
            config = config.with_embedding_size(32); // one model size
        }
        let mut model = seeded(&config, 11, &device);
        // With copy attention, steps of 0.01 saturate the copy gate on this toy set (the loss
        // stalls at 0.07, where p_gen's gradient vanishes); smaller steps get through.
        let learning_rate = if config.copy { 0.003 } else { 0.01 };
        let mut trainer = Trainer::new(
            TrainConfig::new()
                .with_learning_rate(learning_rate)
                .with_teacher_forcing_ratio(1.0),
        );
        let mut rng = Rng::new(0);
        let mut loss = f32::INFINITY;
        for _ in 0..600 {
            let (next, l) = trainer.step(model, &batch, &mut rng);
            model = next;
            loss = l.into_scalar();
            if loss < 0.01 {
                break;
            }
        }
        assert!(loss < 0.05, "{kind}: loss {loss}");
        let model = model.valid();
        let src_batch = common::batch(&examples, &Device::flex());
        let hyps = greedy(
            &model,
            src_batch.src,
            src_batch.src_mask,
            &DecodeConfig::new().with_max_len(10),
        );
        for (hyp, example) in hyps.iter().zip(&examples) {
            assert_eq!(hyp.tokens, example.tgt, "{kind}");
            assert!(hyp.finished);
        }
    }
}

#[test]
fn the_warm_up_rises_linearly_then_stays() {
    let config = TrainConfig::new()
        .with_learning_rate(1.0)
        .with_warmup_steps(4);
    let rates: Vec<f64> = (0..6).map(|s| config.learning_rate_at(s)).collect();
    assert_eq!(rates, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
    assert_eq!(TrainConfig::new().learning_rate_at(0), 1e-3);
}

#[test]
fn settings_saved_before_the_warm_up_existed_still_load() {
    let saved = r#"{"learning_rate":0.001,"max_grad_norm":1.0,"teacher_forcing_ratio":0.5,
        "adam_epsilon":1e-8}"#;
    let config: TrainConfig = serde_json::from_str(saved).unwrap();
    assert_eq!((config.warmup_steps, config.label_smoothing), (0, 0.0));
}

#[test]
fn the_smoothing_term_is_the_mean_nll_of_the_whole_vocabulary() {
    let device = Device::flex();
    let tgt = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 4, 0], [1, 3]), &device);
    // Uniform logits: every entry's NLL is ln(V); the padding target is ignored.
    let uniform = model::train::uniform_loss(Tensor::zeros([1, 2, 5], &device), tgt.clone());
    assert!((uniform.into_scalar::<f32>() - 5f32.ln()).abs() < 1e-5);
    // Confident and right: a small NLL, a large smoothing term.
    let mut logits = vec![0.0f32; 10];
    logits[4] = 10.0;
    let logits = Tensor::<3>::from_data(TensorData::new(logits, [1, 2, 5]), &device);
    let nll: f32 = sequence_loss(logits.clone(), tgt.clone()).into_scalar();
    let smooth: f32 = model::train::uniform_loss(logits, tgt).into_scalar();
    assert!(nll < 0.01 && smooth > 7.0, "{nll} {smooth}");
}

#[test]
fn a_trainer_counts_its_steps_for_the_warm_up() {
    let device = Device::flex().autodiff();
    let examples = toy_examples();
    let batch = batch(&examples, &device);
    let config = tiny_config(ModelKind::Lstm);
    let mut trainer = Trainer::new(
        TrainConfig::new()
            .with_warmup_steps(10)
            .with_label_smoothing(0.1),
    )
    .with_steps(3);
    let mut model = seeded(&config, 1, &device);
    let mut rng = Rng::new(0);
    for _ in 0..2 {
        let (next, loss) = trainer.step(model, &batch, &mut rng);
        assert!(loss.into_scalar::<f32>().is_finite());
        model = next;
    }
    assert_eq!(trainer.steps(), 5);
}
