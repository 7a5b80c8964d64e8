//! `trainer train`: trains one model, validating after every epoch, keeping the best and the last
//! checkpoint, and resuming exactly where a stopped run left off (see [`run_dir`] for the files).

pub mod epoch;
pub mod history;
pub mod provenance;
pub mod run_dir;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use model::batch::BatchingConfig;
use model::burn::module::Module;
use model::burn::prelude::*;
use model::checkpoint::{Checkpoint, Precision};
use model::models::{AnyModel, ModelConfig, ModelKind};
use model::train::{TrainConfig, Trainer};
use serde::{Deserialize, Serialize};

use crate::corpus::preset::Preset;
use crate::data::{DataArgs, DataSpec, Vocabs};
use crate::device::{DEVICE_HELP, device};
use epoch::{progress_bar, train_epoch, validate};
use history::EpochRecord;
use provenance::Provenance;
use run_dir::{
    BEST_DIR, LAST_DIR, OPTIMIZER_FILE, RUN_FILE, STATE_FILE, TrainState, existing_dir, read_json,
    replace_dir, write_json,
};

/// `trainer train`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainArgs {
    /// rnn, lstm or attention.
    #[arg(long, default_value = "attention")]
    pub model: ModelKind,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub settings: TrainSettings,
    /// The run folder (default: runs/MODEL).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in --out from its last finished epoch (its saved settings are used).
    #[arg(long)]
    pub resume: bool,
    /// Start over even if --out holds a run (its files are replaced).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
}

/// The training options `train` and `compare` share.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainSettings {
    /// Epochs in all (default: 25, the reference's; 4 for the quick preset). With --resume, the new total.
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub batch_size: usize,
    /// Seeds the initial weights, batch order, teacher forcing and dropout.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    #[arg(long, value_name = "NAME", default_value = "cpu", help = DEVICE_HELP)]
    pub device: String,
    /// Model size, for experiments and tests (defaults: the reference's 128 / 256 / 2 / 0.5).
    #[arg(long, value_name = "N")]
    pub embedding_size: Option<usize>,
    #[arg(long, value_name = "N")]
    pub hidden_size: Option<usize>,
    #[arg(long, value_name = "N")]
    pub num_layers: Option<usize>,
    #[arg(long, value_name = "P")]
    pub dropout: Option<f64>,
}

/// Everything that defines a run, saved as `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    pub model: ModelConfig,
    pub data: DataSpec,
    pub optimizer: TrainConfig,
    pub batch_size: usize,
    pub epochs: usize,
    pub seed: u64,
    /// Who ran it: one entry for the start and one for each resume.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub out: PathBuf,
    pub config: RunConfig,
    pub state: TrainState,
    pub seconds: f64,
}

/// Default number of epochs of a preset.
pub fn default_epochs(preset: Preset) -> usize {
    match preset {
        Preset::Quick => 4,
        Preset::Reference | Preset::Full => 25,
    }
}

/// Trains as `args` say; the library entry point of `trainer train` and `trainer compare`.
pub fn run(args: &TrainArgs) -> Result<TrainOutcome> {
    let started = Instant::now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(args.model.name()));
    let plain = device(&args.settings.device)?;
    let autodiff = plain.clone().autodiff();
    let run_file = out.join(RUN_FILE);

    let (config, vocabs, mut model, mut trainer, mut state) = if args.resume {
        resume(args, &out, &autodiff)?
    } else {
        if run_file.exists() && !args.force {
            bail!(
                "{} already holds a training run; pass --resume to continue it or --force to start over",
                out.display()
            );
        }
        start(args, &out, &autodiff)?
    };
    let spec = config.data.clone();
    let splits = spec.load()?;
    let train = vocabs.examples(&splits.train);
    let valid = vocabs.examples(&splits.valid);
    if train.is_empty() || valid.is_empty() {
        bail!(
            "{}: no training or validation pairs with code",
            spec.path().display()
        );
    }
    println!(
        "{}: {}; vocabularies {} / {}; epochs {}..{} -> {}",
        config.model.kind,
        spec.describe(&splits),
        vocabs.src.len(),
        vocabs.tgt.len(),
        state.epochs_done + 1,
        config.epochs,
        out.display()
    );
    let batching = BatchingConfig::new().with_batch_size(config.batch_size);
    for epoch in state.epochs_done..config.epochs {
        let epoch_started = Instant::now();
        let bar = progress_bar(format!(
            "{} epoch {}/{}",
            config.model.kind,
            epoch + 1,
            config.epochs
        ));
        let (next, train_loss) = train_epoch(
            model,
            &mut trainer,
            &train,
            &batching,
            (config.seed, epoch),
            &bar,
        )
        .with_context(|| last_good(&out, &state))?;
        bar.finish_and_clear();
        model = next;
        let (valid_loss, valid_token_accuracy) =
            validate(&model.valid(), &valid, config.batch_size, &plain);
        let record = EpochRecord {
            epoch: epoch + 1,
            train_loss,
            valid_loss,
            valid_perplexity: valid_loss.exp(),
            valid_token_accuracy,
            seconds: epoch_started.elapsed().as_secs_f64(),
        };
        if !valid_loss.is_finite() {
            bail!(
                "epoch {}: the validation loss is {valid_loss}; {}",
                epoch + 1,
                last_good(&out, &state)
            );
        }
        let best = state.best_valid_loss.is_none_or(|b| valid_loss < b);
        state.epochs_done = epoch + 1;
        state.history.push(record.clone());
        if best {
            state.best_valid_loss = Some(valid_loss);
            state.best_epoch = Some(epoch + 1);
        }
        let files = Checkpoint::to_files(
            &model,
            &config.model,
            &vocabs.src,
            &vocabs.tgt,
            Precision::F32,
            metadata(&config, &record),
        )?;
        if best {
            replace_dir(&out.join(BEST_DIR), |dir| {
                Ok(Checkpoint::save(&files, dir)?)
            })?;
        }
        let optimizer = trainer.optimizer_bytes()?;
        replace_dir(&out.join(LAST_DIR), |dir| {
            Checkpoint::save(&files, dir)?;
            std::fs::write(dir.join(OPTIMIZER_FILE), &optimizer)?;
            write_json(&dir.join(STATE_FILE), &state)
        })?;
        history::write(&out, config.model.kind.name(), &state.history)?;
        println!(
            "{} epoch {:>2}/{}: train loss {:.3}, valid loss {:.3} (perplexity {:.1}), valid token accuracy {:.1}%, {:.0} s{}",
            config.model.kind,
            epoch + 1,
            config.epochs,
            train_loss,
            valid_loss,
            record.valid_perplexity,
            valid_token_accuracy,
            record.seconds,
            if best { " (best)" } else { "" }
        );
    }
    Ok(TrainOutcome {
        out,
        config,
        state,
        seconds: started.elapsed().as_secs_f64(),
    })
}

type Setup = (RunConfig, Vocabs, AnyModel, Trainer, TrainState);

/// A new run: vocabularies from the training split, fresh weights from the seed, `run.json` written.
fn start(args: &TrainArgs, out: &Path, device: &Device) -> Result<Setup> {
    let spec = args.data.spec();
    let splits = spec.load()?;
    let vocabs = Vocabs::build(&splits.train);
    let mut model = ModelConfig::new(args.model, vocabs.src.len(), vocabs.tgt.len());
    model.embedding_size = args.settings.embedding_size.unwrap_or(model.embedding_size);
    model.hidden_size = args.settings.hidden_size.unwrap_or(model.hidden_size);
    model.num_layers = args.settings.num_layers.unwrap_or(model.num_layers);
    model.dropout = args.settings.dropout.unwrap_or(model.dropout);
    if args.settings.batch_size == 0 || model.num_layers == 0 || model.hidden_size == 0 {
        bail!("--batch-size, --num-layers and --hidden-size must be at least 1");
    }
    let config = RunConfig {
        model,
        epochs: args
            .settings
            .epochs
            .unwrap_or_else(|| default_epochs(spec.preset)),
        data: spec,
        optimizer: TrainConfig::new(),
        batch_size: args.settings.batch_size,
        seed: args.settings.seed,
        provenance: vec![Provenance::current(&args.settings.device)],
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for stale in [BEST_DIR, LAST_DIR] {
        let dir = out.join(stale);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }
    write_json(&out.join(RUN_FILE), &config)?;
    device.seed(config.seed);
    let model = config.model.init(device);
    let trainer = Trainer::new(config.optimizer.clone());
    Ok((config, vocabs, model, trainer, TrainState::default()))
}

/// The run in `out` as its last finished epoch left it.
fn resume(args: &TrainArgs, out: &Path, device: &Device) -> Result<Setup> {
    let mut config: RunConfig = read_json(&out.join(RUN_FILE))
        .with_context(|| format!("cannot resume: {} holds no training run", out.display()))?;
    if let Some(epochs) = args.settings.epochs {
        config.epochs = epochs;
    }
    let Some(last) = existing_dir(&out.join(LAST_DIR)) else {
        bail!(
            "cannot resume: {} has no finished epoch ({LAST_DIR}/ is missing)",
            out.display()
        );
    };
    let checkpoint = Checkpoint::load(&last, Some(config.model.kind), device)
        .with_context(|| format!("cannot resume from {}", last.display()))?;
    let optimizer = std::fs::read(last.join(OPTIMIZER_FILE))
        .with_context(|| format!("cannot read {}", last.join(OPTIMIZER_FILE).display()))?;
    let trainer = Trainer::new(config.optimizer.clone())
        .load_optimizer(optimizer)
        .with_context(|| {
            format!(
                "{}: invalid optimizer state",
                last.join(OPTIMIZER_FILE).display()
            )
        })?;
    let state: TrainState = read_json(&last.join(STATE_FILE))?;
    // Only now that everything loaded: a failed resume leaves run.json as it was.
    config
        .provenance
        .push(Provenance::current(&args.settings.device));
    write_json(&out.join(RUN_FILE), &config)?;
    let vocabs = Vocabs {
        src: checkpoint.src_vocab,
        tgt: checkpoint.tgt_vocab,
    };
    Ok((config, vocabs, checkpoint.model, trainer, state))
}

/// Facts stored in each checkpoint's `config.json`: what `eval` needs to find the test split, and the
/// scores of the epoch.
fn metadata(config: &RunConfig, record: &EpochRecord) -> serde_json::Value {
    serde_json::json!({
        "data": config.data,
        "epoch": record.epoch,
        "valid_loss": record.valid_loss,
        "valid_token_accuracy": record.valid_token_accuracy,
        "seed": config.seed,
        "trainer_version": env!("CARGO_PKG_VERSION"),
    })
}

fn last_good(out: &Path, state: &TrainState) -> String {
    if state.epochs_done == 0 {
        "no checkpoint was written".to_string()
    } else {
        format!(
            "the last good checkpoint is {} (epoch {})",
            out.join(LAST_DIR).display(),
            state.epochs_done
        )
    }
}
