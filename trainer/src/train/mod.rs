//! `trainer train`: trains one model, validating after every epoch, keeping the best and the last
//! checkpoint, and resuming exactly where a stopped run left off (see [`run_dir`] for the files).

pub mod epoch;
pub mod history;
pub mod provenance;
pub mod run_dir;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use model::batch::{BatchingConfig, Example};
use model::burn::module::Module;
use model::burn::prelude::*;
use model::checkpoint::card::{InitFrom, Training};
use model::checkpoint::{Card, Checkpoint, CheckpointFiles, Precision};
use model::models::{AnyModel, ModelConfig, ModelKind, retrieval};
use model::retrieval::{RetrievalConfig, RetrievalIndex};
use model::train::{TrainConfig, Trainer};
use serde::{Deserialize, Serialize};

use crate::corpus::preset::Preset;
use crate::data::{DataArgs, DataSpec, Neighbours, TokenArgs, Tokenizers, Tokens};
use crate::device::{DEVICE_HELP, device};
use epoch::{progress_bar, train_epoch};
use history::EpochRecord;
use provenance::Provenance;
use run_dir::{
    BEST_DIR, EPOCHS_DIR, LAST_DIR, OPTIMIZER_FILE, RUN_FILE, STATE_FILE, TrainState, existing_dir,
    read_json, replace_dir, write_json,
};

/// `trainer train`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainArgs {
    #[arg(long, default_value = "attention", help = models_help())]
    pub model: ModelKind,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub tokens: TokenArgs,
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
    /// Start a new run from this checkpoint's weights, model settings and tokenizers instead of fresh
    /// ones (to train a shipped model further, or to fine-tune it on other data); the optimiser starts
    /// afresh.
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
    /// Also keep each epoch's checkpoint, as `epochs/N/` (its card has the training so far), e.g. to
    /// evaluate BLEU against training time with `report`.
    #[arg(long)]
    pub keep_epochs: bool,
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
    /// Read descriptions in both directions (two encoder stacks; attention sees both).
    #[arg(long)]
    pub bidirectional: bool,
    /// Copy attention (pointer-generator) in the attention or Transformer model; needs --tokens subwords.
    #[arg(long)]
    pub copy: bool,
    /// Transformer: attention heads per layer (default 4; --hidden-size must be a multiple of it).
    #[arg(long, value_name = "N")]
    pub heads: Option<usize>,
    /// Transformer: the hidden size of each feed-forward block (default 1024).
    #[arg(long, value_name = "N")]
    pub feed_forward_size: Option<usize>,
    /// Adam's learning rate (the reference's 0.001).
    #[arg(long, value_name = "LR", default_value_t = 1e-3)]
    pub learning_rate: f64,
    /// Raise the learning rate linearly over the first N training steps (batches).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warmup_steps: usize,
    /// Label smoothing of the training loss (0 to 1; validation reports the plain loss).
    #[arg(long, value_name = "E", default_value_t = 0.0)]
    pub label_smoothing: f64,
    /// Training functions read beside each description: the retrieval model's (default 1), or the
    /// Transformer's retrieval input, which giving it turns on (with copy attention).
    #[arg(long, value_name = "K")]
    pub neighbours: Option<usize>,
    /// Models that read neighbours: while training, take no neighbour from a pair's own package (as
    /// at test time, where the packages are unseen).
    #[arg(long)]
    pub exclude_own_package: bool,
}

/// Everything that defines a run, saved as `run.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunConfig {
    pub model: ModelConfig,
    pub data: DataSpec,
    /// The tokenizers the run's vocabularies were learned as.
    #[serde(default)]
    pub tokens: TokenArgs,
    pub optimizer: TrainConfig,
    pub batch_size: usize,
    pub epochs: usize,
    pub seed: u64,
    /// Who ran it: one entry for the start and one for each resume.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
    /// The checkpoint whose weights the run started from (`--init-from`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<InitFrom>,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub out: PathBuf,
    pub config: RunConfig,
    pub state: TrainState,
    pub seconds: f64,
}

/// The `--model` help: every registered model with its description.
fn models_help() -> String {
    let models: Vec<String> = ModelKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{} ({})",
                k.name(),
                k.info().description.trim_end_matches('.')
            )
        })
        .collect();
    format!("Which model: {}", models.join("; "))
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
    let mut run = Run::open(args, out, &plain.clone().autodiff())?;
    let examples = run.examples()?;
    run.announce(&examples);
    for epoch in run.state.epochs_done..run.config.epochs {
        run = run.epoch(epoch, &examples, &plain, args.keep_epochs)?;
    }
    Ok(run.outcome(started))
}

/// A run in progress: what defines it, where it is written, its model and optimiser, and how far it got.
struct Run {
    out: PathBuf,
    config: RunConfig,
    tokenizers: Tokenizers,
    model: AnyModel,
    trainer: Trainer,
    state: TrainState,
    /// Retrieval models: the pool of training functions, saved with every checkpoint.
    retrieval: Option<RetrievalIndex>,
}

/// The pairs a run learns from, as ids of its vocabularies.
struct Examples {
    train: Vec<Example>,
    valid: Vec<Example>,
    /// The data and its split sizes, for the line that opens the run's output.
    summary: String,
}

impl Run {
    /// Refuses to start over an existing run unless forced, so that finished epochs are not lost to a
    /// forgotten `--resume`.
    fn open(args: &TrainArgs, out: PathBuf, device: &Device) -> Result<Self> {
        if args.resume {
            return Self::resume(args, out, device);
        }
        if out.join(RUN_FILE).exists() && !args.force {
            bail!(
                "{} already holds a training run; pass --resume to continue it or --force to start over",
                out.display()
            );
        }
        Self::start(args, out, device)
    }

    /// A new run: vocabularies from the training split, fresh weights from the seed, `run.json` written.
    fn start(args: &TrainArgs, out: PathBuf, device: &Device) -> Result<Self> {
        if let Some(dir) = &args.init_from {
            return Self::start_from(args, dir, out, device);
        }
        let spec = args.data.spec();
        let splits = spec.load()?;
        let tokenizers = Tokenizers::build_with(&splits.train, &args.tokens)?;
        let config = new_config(args, spec, &tokenizers)?;
        let retrieval = retrieval_pool(&config, &splits.train);
        clear_run_dir(&out)?;
        device.seed(config.seed);
        let model = config.model.init(device);
        Self::fresh(out, config, tokenizers, model, retrieval).begin()
    }

    /// A new run whose weights, model settings and tokenizers are a checkpoint's (`--init-from`).
    fn start_from(args: &TrainArgs, dir: &Path, out: PathBuf, device: &Device) -> Result<Self> {
        let checkpoint = Checkpoint::load(dir, None, device)
            .with_context(|| format!("cannot start from {}", dir.display()))?;
        let (model, model_config) =
            starting_model(args, checkpoint.model, &checkpoint.config.model)
                .with_context(|| format!("cannot start from {}", dir.display()))?;
        let tokenizers = Tokenizers {
            source: checkpoint.source,
            target: checkpoint.target,
        };
        let spec = args.data.spec();
        let args = TrainArgs {
            tokens: TokenArgs::of(
                &checkpoint.config.tokenizers.target,
                tokenizers.target.vocab_size(),
            ),
            ..args.clone()
        };
        let mut config = new_config(&args, spec.clone(), &tokenizers)?;
        config.model = model_config;
        let training = checkpoint.card.training.as_ref();
        config.init_from = Some(InitFrom {
            checkpoint: dir.display().to_string(),
            epochs_trained: training.map(|t| t.epochs_trained).or(checkpoint
                .card
                .epoch
                .as_ref()
                .map(|e| e.epoch)),
            provenance: training.map(|t| t.provenance.clone()).unwrap_or_default(),
            wall_seconds: training.map(|t| t.total_wall_seconds()),
        });
        let retrieval = match config.model.retrieval.is_some() {
            true => retrieval_pool(&config, &spec.load()?.train),
            false => None,
        };
        clear_run_dir(&out)?;
        device.seed(config.seed);
        Self::fresh(out, config, tokenizers, model, retrieval).begin()
    }

    /// Writes the starting point as `last/` (epoch 0), then `run.json`: a run stopped at any moment
    /// from here on resumes (from its first epoch if need be), and one stopped before `run.json`
    /// exists holds no run, so the same command starts it again.
    fn begin(self) -> Result<Self> {
        self.save_last(&self.files(&run_card(&self.config, None))?)?;
        write_json(&self.out.join(RUN_FILE), &self.config)?;
        Ok(self)
    }

    fn fresh(
        out: PathBuf,
        config: RunConfig,
        tokenizers: Tokenizers,
        model: AnyModel,
        retrieval: Option<RetrievalIndex>,
    ) -> Self {
        let trainer = Trainer::new(config.optimizer.clone());
        Self {
            out,
            config,
            tokenizers,
            model,
            trainer,
            state: TrainState::default(),
            retrieval,
        }
    }

    /// The run in `out` as its last finished epoch left it.
    fn resume(args: &TrainArgs, out: PathBuf, device: &Device) -> Result<Self> {
        let mut config: RunConfig = read_json(&out.join(RUN_FILE))
            .with_context(|| format!("cannot resume: {} holds no training run", out.display()))?;
        if let Some(epochs) = args.settings.epochs {
            config.epochs = epochs;
        }
        let Some(last) = existing_dir(&out.join(LAST_DIR)) else {
            bail!(
                "cannot resume: {} has no checkpoint to resume from ({LAST_DIR}/ is missing)",
                out.display()
            );
        };
        let checkpoint = Checkpoint::load(&last, Some(config.model.kind), device)
            .with_context(|| format!("cannot resume from {}", last.display()))?;
        let state: TrainState = read_json(&last.join(STATE_FILE))?;
        let trainer = load_trainer(&config, &last)?.with_steps(state.steps);
        // Only now that everything loaded: a failed resume leaves run.json as it was.
        config
            .provenance
            .push(provenance::current(&args.settings.device));
        write_json(&out.join(RUN_FILE), &config)?;
        // A run stopped after its `last/` but before its metrics has them rewritten here, even when
        // no epoch is left to train.
        if !state.history.is_empty() && !history::is_current(&out, &state.history) {
            history::write(&out, config.model.kind.name(), &state.history)?;
        }
        let tokenizers = Tokenizers {
            source: checkpoint.source,
            target: checkpoint.target,
        };
        Ok(Self {
            out,
            config,
            tokenizers,
            model: checkpoint.model,
            trainer,
            state,
            retrieval: checkpoint.retrieval,
        })
    }

    /// Reads the data anew from the spec in `run.json`, so a resumed run trains on what its start did.
    fn examples(&self) -> Result<Examples> {
        let spec = &self.config.data;
        let splits = spec.load()?;
        let (train, valid) = match (&self.retrieval, &self.config.model.retrieval) {
            (Some(index), Some(retrieval)) => {
                let examples = |pairs, neighbours| {
                    let t = &self.tokenizers;
                    t.retrieval_examples(pairs, index, retrieval, neighbours)
                };
                (
                    examples(&splits.train, Neighbours::OthersThan),
                    examples(&splits.valid, Neighbours::Any),
                )
            }
            _ => (
                self.tokenizers.examples(&splits.train),
                self.tokenizers.examples(&splits.valid),
            ),
        };
        if train.is_empty() || valid.is_empty() {
            bail!(
                "{}: no training or validation pairs with code",
                spec.path().display()
            );
        }
        Ok(Examples {
            train,
            valid,
            summary: spec.describe(&splits),
        })
    }

    fn announce(&self, examples: &Examples) {
        println!(
            "{}: {}; vocabularies {} / {}; epochs {}..{} -> {}",
            self.config.model.kind,
            examples.summary,
            self.tokenizers.source.vocab_size(),
            self.tokenizers.target.vocab_size(),
            self.state.epochs_done + 1,
            self.config.epochs,
            self.out.display()
        );
    }

    /// Epoch `epoch` (0-based) from training to its files on disk. Takes and gives back `self` because
    /// a training step consumes the model and returns the updated one.
    fn epoch(
        mut self,
        epoch: usize,
        examples: &Examples,
        plain: &Device,
        keep: bool,
    ) -> Result<Self> {
        let started = Instant::now();
        let bar = progress_bar(format!(
            "{} epoch {}/{}",
            self.config.model.kind,
            epoch + 1,
            self.config.epochs
        ));
        let batching = BatchingConfig::new().with_batch_size(self.config.batch_size);
        let (model, train_loss) = train_epoch(
            self.model,
            &mut self.trainer,
            &examples.train,
            &batching,
            (self.config.seed, epoch),
            &bar,
        )
        .with_context(|| last_good(&self.out, &self.state))?;
        bar.finish_and_clear();
        self.model = model;
        let record = self.validate(epoch, train_loss, &examples.valid, plain, started)?;
        let best = self.record(&record);
        // `epochs/N/` first: a run stopped before its `last/` is written redoes the epoch, and all.
        if keep {
            self.keep(&record)?;
        }
        self.save(&record, best)?;
        self.report(&record, best);
        Ok(self)
    }

    /// Stops the run at a validation loss that is not finite: every later epoch would be wasted, and
    /// the error names the checkpoint to go back to.
    fn validate(
        &self,
        epoch: usize,
        train_loss: f64,
        valid: &[Example],
        plain: &Device,
        started: Instant,
    ) -> Result<EpochRecord> {
        let (valid_loss, valid_token_accuracy) =
            epoch::validate(&self.model.valid(), valid, self.config.batch_size, plain);
        let record = EpochRecord {
            epoch: epoch + 1,
            train_loss,
            valid_loss,
            valid_perplexity: valid_loss.exp(),
            valid_token_accuracy,
            seconds: started.elapsed().as_secs_f64(),
        };
        if !valid_loss.is_finite() {
            bail!(
                "epoch {}: the validation loss is {valid_loss}; {}",
                epoch + 1,
                last_good(&self.out, &self.state)
            );
        }
        Ok(record)
    }

    /// Adds a finished epoch to the state; returns whether it is the best so far.
    fn record(&mut self, record: &EpochRecord) -> bool {
        let state = &mut self.state;
        let best = state.best_valid_loss.is_none_or(|b| record.valid_loss < b);
        state.epochs_done = record.epoch;
        state.steps = self.trainer.steps();
        state.history.push(record.clone());
        if best {
            state.best_valid_loss = Some(record.valid_loss);
            state.best_epoch = Some(record.epoch);
        }
        best
    }

    /// `last/` goes after `best/` because it carries the state: a run stopped before it resumes by
    /// redoing this epoch, which rewrites `best/` the same way.
    fn save(&self, record: &EpochRecord, best: bool) -> Result<()> {
        let files = self.files(&run_card(&self.config, Some(record)))?;
        if best {
            replace_dir(&self.out.join(BEST_DIR), |dir| Ok(files.save(dir)?))?;
        }
        self.save_last(&files)?;
        history::write(
            &self.out,
            self.config.model.kind.name(),
            &self.state.history,
        )
    }

    /// `last/`: the checkpoint `files` with what resuming needs besides.
    fn save_last(&self, files: &CheckpointFiles) -> Result<()> {
        let optimizer = self.trainer.optimizer_bytes()?;
        replace_dir(&self.out.join(LAST_DIR), |dir| {
            files.save(dir)?;
            std::fs::write(dir.join(OPTIMIZER_FILE), &optimizer)?;
            write_json(&dir.join(STATE_FILE), &self.state)
        })
    }

    /// The model as a checkpoint's files (f32), with `card` and a retrieval model's pool.
    fn files(&self, card: &Card) -> Result<CheckpointFiles> {
        let files = Checkpoint::to_files(
            &self.model,
            &self.config.model,
            self.tokenizers.source.as_ref(),
            self.tokenizers.target.as_ref(),
            Precision::F32,
            card,
        )?;
        Ok(match &self.retrieval {
            Some(index) => files.with_retrieval(index)?,
            None => files,
        })
    }

    /// `epochs/N/`: this epoch's checkpoint, whose card has the training so far.
    fn keep(&self, record: &EpochRecord) -> Result<()> {
        let card = Card {
            training: Some(training(&self.config, &self.state)),
            ..run_card(&self.config, Some(record))
        };
        let files = self.files(&card)?;
        let dir = self.out.join(EPOCHS_DIR).join(record.epoch.to_string());
        let epochs = self.out.join(EPOCHS_DIR);
        std::fs::create_dir_all(&epochs)
            .with_context(|| format!("cannot create {}", epochs.display()))?;
        replace_dir(&dir, |dir| Ok(files.save(dir)?))
    }

    fn report(&self, record: &EpochRecord, best: bool) {
        println!(
            "{} epoch {:>2}/{}: train loss {:.3}, valid loss {:.3} (perplexity {:.1}), valid token accuracy {:.1}%, {:.0} s{}",
            self.config.model.kind,
            record.epoch,
            self.config.epochs,
            record.train_loss,
            record.valid_loss,
            record.valid_perplexity,
            record.valid_token_accuracy,
            record.seconds,
            if best { " (best)" } else { "" }
        );
    }

    fn outcome(self, started: Instant) -> TrainOutcome {
        TrainOutcome {
            out: self.out,
            config: self.config,
            state: self.state,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// The settings of a new run: the preset's defaults, overridden by the command line.
fn new_config(args: &TrainArgs, spec: DataSpec, tokenizers: &Tokenizers) -> Result<RunConfig> {
    let mut model = ModelConfig::new(
        args.model,
        tokenizers.source.vocab_size(),
        tokenizers.target.vocab_size(),
    );
    let settings = &args.settings;
    if settings.copy && !args.model.copy_is_an_option() {
        bail!("--copy is an option of the attention and Transformer models");
    }
    if settings.copy && args.tokens.tokens != Tokens::Subwords {
        bail!("--copy needs --tokens subwords: copying needs one vocabulary for both sides");
    }
    model.copy = settings.copy;
    model.encoder.bidirectional = settings.bidirectional;
    if let Some(retrieval) = retrieval_config(args.model, settings)? {
        if args.tokens.tokens != Tokens::Subwords {
            bail!(
                "--model {} needs --tokens subwords to read neighbours: it copies from their code",
                args.model
            );
        }
        model.copy = true;
        model.retrieval = Some(retrieval);
    }
    for side in [&mut model.encoder, &mut model.decoder] {
        side.embedding_size = settings.embedding_size.unwrap_or(side.embedding_size);
        side.hidden_size = settings.hidden_size.unwrap_or(side.hidden_size);
        side.num_layers = settings.num_layers.unwrap_or(side.num_layers);
        side.dropout = settings.dropout.unwrap_or(side.dropout);
    }
    let sides = [&model.encoder, &model.decoder];
    if settings.batch_size == 0
        || sides
            .iter()
            .any(|s| s.num_layers == 0 || s.hidden_size == 0)
    {
        bail!("--batch-size, --num-layers and --hidden-size must be at least 1");
    }
    transformer_sizes(&mut model, settings)?;
    // Whatever the flags above did not catch (e.g. --dropout 1.5), as a loaded config would be.
    model
        .check()
        .map_err(|e| anyhow::anyhow!("the model settings do not fit: {e}"))?;
    Ok(RunConfig {
        model,
        epochs: args
            .settings
            .epochs
            .unwrap_or_else(|| default_epochs(spec.preset)),
        data: spec,
        tokens: args.tokens.clone(),
        optimizer: optimizer(settings)?,
        batch_size: args.settings.batch_size,
        seed: args.settings.seed,
        provenance: vec![provenance::current(&args.settings.device)],
        init_from: None,
    })
}

/// The Transformer's sizes as the command line asks for them: one model size (`--hidden-size`, which
/// the embeddings take too), heads and feed-forward size. Refused for other models.
fn transformer_sizes(model: &mut ModelConfig, settings: &TrainSettings) -> Result<()> {
    let Some(options) = &mut model.transformer else {
        if settings.heads.is_some() || settings.feed_forward_size.is_some() {
            bail!(
                "--heads and --feed-forward-size are options of the Transformer (--model transformer)"
            );
        }
        return Ok(());
    };
    if settings.embedding_size.is_some() {
        bail!("the Transformer has one model size: give --hidden-size, not --embedding-size");
    }
    if settings.bidirectional {
        bail!(
            "--bidirectional is an option of the recurrent encoders; the Transformer's reads both ways"
        );
    }
    options.heads = settings.heads.unwrap_or(options.heads);
    options.feed_forward_size = settings
        .feed_forward_size
        .unwrap_or(options.feed_forward_size);
    let d_model = model.decoder.hidden_size;
    if options.heads == 0
        || !d_model.is_multiple_of(options.heads)
        || options.feed_forward_size == 0
    {
        bail!(
            "--hidden-size ({d_model}) must be a multiple of --heads ({}), and --feed-forward-size at least 1",
            options.heads
        );
    }
    for side in [&mut model.encoder, &mut model.decoder] {
        side.embedding_size = d_model;
    }
    Ok(())
}

/// The optimiser's settings from the command line.
fn optimizer(settings: &TrainSettings) -> Result<TrainConfig> {
    if !(settings.learning_rate > 0.0 && settings.learning_rate.is_finite()) {
        bail!("--learning-rate must be a positive number");
    }
    if !(0.0..1.0).contains(&settings.label_smoothing) {
        bail!("--label-smoothing must be at least 0 and below 1");
    }
    Ok(TrainConfig::new()
        .with_learning_rate(settings.learning_rate)
        .with_warmup_steps(settings.warmup_steps)
        .with_label_smoothing(settings.label_smoothing))
}

/// The neighbours `model` reads as the command line asks for them: always for the retrieval model,
/// when `--neighbours` is given for a model that has the option, `None` otherwise.
fn retrieval_config(model: ModelKind, settings: &TrainSettings) -> Result<Option<RetrievalConfig>> {
    let neighbours = match (model.info().retrieves, settings.neighbours) {
        (true, k) => k.unwrap_or(1),
        (false, Some(k)) if model.retrieval_is_an_option() => k,
        (false, Some(_)) => {
            bail!("--neighbours is an option of the retrieval and Transformer models")
        }
        (false, None) if settings.exclude_own_package => {
            bail!("--exclude-own-package needs a model that reads neighbours (--neighbours K)")
        }
        (false, None) => return Ok(None),
    };
    if neighbours == 0 {
        bail!("--neighbours must be at least 1");
    }
    Ok(Some(RetrievalConfig {
        neighbours,
        exclude_own_package: settings.exclude_own_package,
        ..RetrievalConfig::default()
    }))
}

/// The pool of a retrieval model's run; `None` for other models.
fn retrieval_pool(config: &RunConfig, train: &[crate::corpus::Pair]) -> Option<RetrievalIndex> {
    config
        .model
        .retrieval
        .is_some()
        .then(|| crate::data::retrieval_index(train))
}

/// The model a run started `--init-from` a checkpoint trains, and its configuration: the
/// checkpoint's own, or for `--model retrieval` from a copy model, that network reading neighbours.
fn starting_model(
    args: &TrainArgs,
    model: AnyModel,
    config: &ModelConfig,
) -> Result<(AnyModel, ModelConfig)> {
    let retrieval = retrieval_config(args.model, &args.settings)?;
    if config.kind == args.model {
        return Ok((model, with_neighbours(config, retrieval)?));
    }
    let retrieval = retrieval.expect("the retrieval model reads neighbours");
    match (args.model, retrieval::config_from_copy(config, retrieval)) {
        (ModelKind::Retrieval, Some(retrieval_config)) => Ok((
            retrieval::from_copy_model(model).expect("a copy model's config, a copy model"),
            retrieval_config,
        )),
        _ => bail!(
            "it holds a model of kind `{}`, not `{}` (a retrieval model can also start from an attention model with copy)",
            config.kind,
            args.model
        ),
    }
}

/// A checkpoint's model settings with the neighbours the command line asks for, if any: the same
/// network reads them through its copy attention, so it must have one.
fn with_neighbours(
    config: &ModelConfig,
    retrieval: Option<RetrievalConfig>,
) -> Result<ModelConfig> {
    let Some(retrieval) = retrieval else {
        return Ok(config.clone());
    };
    if !config.copy {
        bail!(
            "it holds a `{}` model without copy attention, which neighbours need (train it with --copy)",
            config.kind
        );
    }
    Ok(ModelConfig {
        retrieval: Some(retrieval),
        ..config.clone()
    })
}

/// Removes the checkpoints of a run being replaced (`--force`), so that none of them can be taken
/// for one of the new run's.
fn clear_run_dir(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for stale in [BEST_DIR, LAST_DIR] {
        let dir = out.join(stale);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
    }
    Ok(())
}

/// The optimiser as `last/` saved it, so that Adam's moments carry on where they stopped.
fn load_trainer(config: &RunConfig, last: &Path) -> Result<Trainer> {
    let file = last.join(OPTIMIZER_FILE);
    let optimizer =
        std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    Trainer::new(config.optimizer.clone())
        .load_optimizer(optimizer)
        .with_context(|| format!("{}: invalid optimizer state", file.display()))
}

/// The card of each checkpoint a run writes: what `eval` needs to find the test split, and the
/// epoch's scores (none for the starting point).
fn run_card(config: &RunConfig, record: Option<&EpochRecord>) -> Card {
    Card {
        epoch: record.cloned(),
        written_by: Some(provenance::COMMIT.to_string()),
        ..Card::new(config.model.kind, config.data.card(None))
    }
}

/// A run's training facts for a checkpoint's card: its provenance, epochs, losses and wall time so far.
pub fn training(config: &RunConfig, state: &TrainState) -> Training {
    Training {
        provenance: config.provenance.clone(),
        epochs_planned: config.epochs,
        epochs_trained: state.epochs_done,
        best_epoch: state.best_epoch,
        best_valid_loss: state.best_valid_loss,
        wall_seconds: state.history.iter().map(|r| r.seconds).sum(),
        history: state.history.clone(),
        init_from: config.init_from.clone(),
    }
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
