//! The analysis pool's decisions, without the browser: when workers start and stop, which
//! worker gets which slice, what each reply changes, progress with time left, Cancel, the
//! cascade's two passes, users' models, and the result assembled as the CLI does.
//!
//! [`Pool::update`] takes one [`PoolMsg`] (a user action or a worker's reply) and returns the
//! [`Effect`]s to perform; the web glue (`ui/web/analysis.rs`) owns the `Worker` objects, performs
//! the effects in order and shows the notices. Workers are named by their slot index.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use crate::analysis::assemble::{assemble, model_versions};
use crate::analysis::cascade::{self, Cascade};
use crate::analysis::orient::ModelView;
use crate::analysis::status::{
    allowed_codes, assessed_flags, clear_disallowed, contributing, label_status,
};
use crate::analysis::tissue;
use crate::analysis::AnalysisResult;
use crate::model::card::{AnalysisCard, ModelCard};
use crate::model::{shipped, ModelRole};
use crate::ui::core::analysis_info::WorkerStart;
use crate::Volume;

/// What a worker is asked to do with one slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliceMode {
    /// Both models (the classifier only when it counts), label map and scores.
    Full,
    /// The classifier only (the cascade's first pass): scores are its probabilities.
    Classify,
}

impl SliceMode {
    /// The name in worker messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SliceMode::Full => "full",
            SliceMode::Classify => "classify",
        }
    }

    /// From its name in worker messages (anything else is `Full`).
    pub fn parse(s: &str) -> SliceMode {
        if s == "classify" {
            SliceMode::Classify
        } else {
            SliceMode::Full
        }
    }
}

/// A user's model in use for this session (sent to every worker when it starts).
#[derive(Debug, Clone)]
pub struct UserModel {
    pub role: ModelRole,
    pub card_text: String,
    pub onnx: Rc<Vec<u8>>,
}

/// The longest the rest of the pool waits for a scan being opened, in ms.
pub const OTHERS_WAIT_MS: i32 = 3000;

/// Refusal while an analysis runs.
pub const BUSY_MESSAGE: &str =
    "Wait for the analysis to finish (or cancel it) before changing models.";

/// A worker's verdict on a user's model (as its `model` message says it).
#[derive(Debug, Clone)]
pub struct ModelVerdict {
    pub role: ModelRole,
    pub ok: bool,
    pub name: String,
    pub version: String,
    pub warnings: Vec<String>,
    /// Why it was refused.
    pub message: String,
}

impl ModelVerdict {
    /// A refusal of a model for `role`, saying why.
    pub fn refused(role: ModelRole, message: String) -> Self {
        ModelVerdict {
            role,
            ok: false,
            name: String::new(),
            version: String::new(),
            warnings: Vec::new(),
            message,
        }
    }
}

/// Everything that happens to the pool.
#[derive(Debug)]
pub enum PoolMsg {
    /// The page knows the machine: `size` workers at most; `unavailable` says why analysis
    /// cannot run at all (no wasm SIMD), if so.
    Install {
        size: usize,
        unavailable: Option<String>,
    },
    /// Start loading the models if no worker runs (page start, a scan being opened).
    WarmUp,
    /// A scan starts (true) or stops (false) being opened. While one is, the rest of the pool
    /// does not start: on two cores, two workers building their plans beside the decode made
    /// the page stall for 0.3–0.4 s when a large scan arrived. They start when it is open,
    /// or after [`OTHERS_WAIT_MS`] at the latest (the glue's timer sends `Loading(false)`).
    Loading(bool),
    /// A worker could not be created.
    SpawnFailed { slot: usize, message: String },
    /// Analyse a loaded volume (Analyze, or automatically after loading).
    Start {
        volume: Rc<Volume>,
        cascade: Option<Cascade>,
        now_ms: f64,
    },
    /// The user cancels the running analysis.
    Cancel,
    /// Another volume replaces the loaded one.
    VolumeChanged,
    /// A worker has the model files in the browser's cache.
    Cached,
    /// A worker has its plans built and self-tested.
    Ready {
        slot: usize,
        downloaded_bytes: f64,
        simd: bool,
        relaxed_simd: bool,
        start: WorkerStart,
    },
    /// A worker could not load or check the models.
    Fatal { message: String },
    /// A worker stopped unexpectedly, or a slice could not be posted to it.
    Crashed { message: String },
    /// A worker's result for one slice (`labels`: its label map, empty in classify mode).
    SliceDone {
        slot: usize,
        job: u32,
        k: usize,
        mode: SliceMode,
        scores: [f32; 6],
        labels: Vec<u8>,
        ms: [f64; 4],
        now_ms: f64,
    },
    /// A worker could not analyse a slice.
    SliceError { job: u32, k: usize, message: String },
    /// The user offers a model to check and use.
    CheckUserModel(UserModel),
    /// A worker's verdict on a user's model.
    ModelChecked { slot: usize, verdict: ModelVerdict },
    /// The user goes back to the shipped models.
    UseShipped,
}

/// What the web glue does, in order.
#[derive(Debug)]
pub enum Effect {
    /// Create the worker of this slot (the next index).
    Spawn { slot: usize },
    /// Stop every worker; the slots are gone.
    TerminateAll,
    /// Send slice `k` of `volume` to a worker, turned as `view` says (the models' view).
    PostSlice {
        slot: usize,
        job: u32,
        k: usize,
        volume: Rc<Volume>,
        view: ModelView,
        mode: SliceMode,
        classified: Option<[f32; 6]>,
    },
    /// Send a user's model to a worker (to check it, or to use it before any slice).
    PostModel { slot: usize, model: UserModel },
    /// The analysis runs: the status line and the progress bar.
    Progress { text: String, fraction: f64 },
    /// Slice `k`'s labels, on the volume grid, as the result will hold them (labels the
    /// models cannot assess already cleared): the overlay shows them before the end.
    SliceLabels { k: usize, labels: Vec<u8> },
    /// The analysis stopped with an error (`job_stopped`: a running job was lost, which
    /// the gallery needs to know).
    AnalysisError { message: String, job_stopped: bool },
    /// The running analysis was cancelled.
    Cancelled,
    /// No analysis can run in this page.
    Unavailable(String),
    /// A worker is ready; `note` (for the first one) says where the models came from.
    /// `note` and `start`: for the first worker ready only.
    WorkerReady {
        simd: bool,
        relaxed_simd: bool,
        note: Option<String>,
        start: Option<WorkerStart>,
    },
    /// A worker that is not needed could not start (the pool goes on without it).
    Warn(String),
    /// The rest of the pool waits for the scan being opened: send `Loading(false)` after
    /// [`OTHERS_WAIT_MS`] in case nothing else ends the wait.
    OthersDeferred,
    /// The result of a volume's analysis (or why it could not be assembled).
    Finished {
        volume: Rc<Volume>,
        result: Box<Result<(AnalysisResult, Vec<u8>), String>>,
    },
    /// The outcome of a model check or change.
    ModelCheck { ok: bool, text: String },
    /// A user's model is now in use for `role`.
    ModelInUse {
        role: ModelRole,
        name: String,
        version: String,
    },
    /// Every role uses its shipped model again.
    ModelsReset,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Slot {
    ready: bool,
    /// The slice it is working on.
    busy: Option<usize>,
    /// It is checking a user's model.
    checking: bool,
}

#[derive(Debug)]
struct Job {
    id: u32,
    volume: Rc<Volume>,
    /// How the models read its slices (label maps come back in that order).
    view: ModelView,
    queue: VecDeque<usize>,
    scores: Vec<Option<[f32; 6]>>,
    mask: Vec<u8>,
    done: usize,
    started_ms: f64,
    /// Summed worker times: preprocess, classifier, segmenter, postprocess.
    ms: [f64; 4],
    /// The cascade's settings, when it is on; its first pass fills `classified`.
    cascade: Option<Cascade>,
    /// The queue holds classifier-only requests (the cascade's first pass).
    classifying: bool,
    classified: Vec<Option<[f32; 6]>>,
    classified_done: usize,
    /// Slices the segmenter ran on.
    segmented: usize,
    /// Which slices hold brain ([`tissue`]); the others are not sent to the models.
    brain: Vec<bool>,
    /// Label codes the result keeps (0 and the assessed labels), for the slices shown early.
    allowed: [bool; 6],
}

impl Job {
    /// How many slices hold no brain (done from the start).
    fn skipped(&self) -> usize {
        self.brain.iter().filter(|b| !**b).count()
    }
}

/// The pool: its workers' states, the running job and the users' models.
#[derive(Debug, Default)]
pub struct Pool {
    size: usize,
    slots: Vec<Slot>,
    /// Why the models cannot be used (no SIMD, failed download, checksum or self-test).
    fatal: Option<String>,
    job: Option<Job>,
    next_id: u32,
    /// Start-up of the first worker ready.
    first_start: Option<WorkerStart>,
    /// Users' models in use, by role (classifier, segmenter).
    user: [Option<UserModel>; 2],
    /// A user's model waiting to be checked by the first free worker.
    pending_check: Option<UserModel>,
    /// A scan is being opened: its decoding has the cores first.
    loading: bool,
    /// The rest of the pool waits for the scan to be open (see [`PoolMsg::Loading`]).
    others_due: bool,
}

fn role_index(role: ModelRole) -> usize {
    match role {
        ModelRole::Classifier => 0,
        ModelRole::Segmenter => 1,
    }
}

impl Pool {
    /// Whether an analysis is running.
    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    /// Workers started (ready or not).
    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    /// Start-up time of the first worker once it is ready, from its module running (models
    /// read and checked, plans built and self-tested), in ms.
    pub fn load_ms(&self) -> Option<f64> {
        self.first_start.map(|s| s.read_ms + s.build_ms)
    }

    /// Decide what `msg` changes and what the glue must do.
    pub fn update(&mut self, msg: PoolMsg) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            PoolMsg::Install { size, unavailable } => {
                self.size = size.max(1);
                if let Some(m) = unavailable {
                    self.fatal = Some(m.clone());
                    fx.push(Effect::Unavailable(m));
                }
            }
            PoolMsg::WarmUp => self.ensure_started(&mut fx),
            PoolMsg::Loading(true) => self.loading = true,
            PoolMsg::Loading(false) => self.loading_ended(&mut fx),
            PoolMsg::SpawnFailed { slot, message } => {
                self.slots.truncate(slot);
                if self.slots.is_empty() {
                    let m = format!("The analysis could not start: {message}");
                    self.fatal = Some(m.clone());
                    fx.push(Effect::Unavailable(m));
                } else {
                    fx.push(Effect::Warn(message));
                }
            }
            PoolMsg::Start {
                volume,
                cascade,
                now_ms,
            } => self.start(volume, cascade, now_ms, &mut fx),
            PoolMsg::Cancel => {
                if self.job.is_some() {
                    self.restart(&mut fx);
                    fx.push(Effect::Cancelled);
                }
            }
            PoolMsg::VolumeChanged => {
                if self.job.is_some() {
                    self.restart(&mut fx);
                }
                self.ensure_started(&mut fx);
            }
            PoolMsg::Cached => self.start_the_others(&mut fx),
            PoolMsg::Ready {
                slot,
                downloaded_bytes,
                simd,
                relaxed_simd,
                start,
            } => self.on_ready(slot, start, downloaded_bytes, (simd, relaxed_simd), &mut fx),
            PoolMsg::Fatal { message } => {
                self.job = None;
                self.slots.clear();
                fx.push(Effect::TerminateAll);
                let m = format!(
                    "The analysis is unavailable: {message}. Reload the page to try again."
                );
                self.fatal = Some(m.clone());
                fx.push(Effect::Unavailable(m));
            }
            PoolMsg::Crashed { message } => self.fail(message, &mut fx),
            PoolMsg::SliceDone {
                slot,
                job,
                k,
                mode,
                scores,
                labels,
                ms,
                now_ms,
            } => self.on_slice(slot, job, k, mode, scores, &labels, ms, now_ms, &mut fx),
            PoolMsg::SliceError { job, k, message } => {
                if self.job.as_ref().map(|j| j.id) == Some(job) {
                    self.fail(
                        format!("Slice {} could not be analysed: {message}", k + 1),
                        &mut fx,
                    );
                }
            }
            PoolMsg::CheckUserModel(model) => {
                if self.job.is_some() {
                    fx.push(busy_refusal());
                } else {
                    self.pending_check = Some(model);
                    self.ensure_started(&mut fx);
                    self.send_pending_check(&mut fx);
                }
            }
            PoolMsg::ModelChecked { slot, verdict } => self.on_model(slot, verdict, &mut fx),
            PoolMsg::UseShipped => {
                if self.job.is_some() {
                    fx.push(busy_refusal());
                } else {
                    self.user = [None, None];
                    self.pending_check = None;
                    if !self.slots.is_empty() {
                        self.restart(&mut fx);
                    }
                    fx.push(Effect::ModelsReset);
                    fx.push(Effect::ModelCheck {
                        ok: true,
                        text: "Using the shipped models.".to_string(),
                    });
                }
            }
        }
        fx
    }

    fn spawn(&mut self, fx: &mut Vec<Effect>) {
        self.slots.push(Slot::default());
        fx.push(Effect::Spawn {
            slot: self.slots.len() - 1,
        });
    }

    /// Start the first worker if none runs (it loads and checks the models).
    fn ensure_started(&mut self, fx: &mut Vec<Effect>) {
        if self.slots.is_empty() && self.fatal.is_none() {
            self.spawn(fx);
        }
    }

    /// Stop every worker (whatever it is doing) and start the pool again.
    fn restart(&mut self, fx: &mut Vec<Effect>) {
        self.job = None;
        self.slots.clear();
        fx.push(Effect::TerminateAll);
        self.spawn(fx);
    }

    /// A worker crashed: the running analysis fails with a message, and the pool restarts.
    fn fail(&mut self, message: String, fx: &mut Vec<Effect>) {
        let had_job = self.job.is_some();
        self.restart(fx);
        if had_job {
            fx.push(Effect::AnalysisError {
                message,
                job_stopped: true,
            });
        }
    }

    /// The first worker has the model files in the browser's cache: start the rest of the
    /// pool, which read them from there while the first one still builds its plan.
    fn start_the_others(&mut self, fx: &mut Vec<Effect>) {
        if self.slots.len() == 1 && self.size > 1 {
            if self.loading {
                if !std::mem::replace(&mut self.others_due, true) {
                    fx.push(Effect::OthersDeferred);
                }
                return;
            }
            for _ in 1..self.size {
                self.spawn(fx);
            }
        }
    }

    /// No scan is being opened any more: the rest of the pool starts if it waited.
    fn loading_ended(&mut self, fx: &mut Vec<Effect>) {
        self.loading = false;
        if std::mem::take(&mut self.others_due) {
            self.start_the_others(fx);
        }
    }

    fn start(
        &mut self,
        volume: Rc<Volume>,
        cascade: Option<Cascade>,
        now_ms: f64,
        fx: &mut Vec<Effect>,
    ) {
        // Analysing a volume means it is open: the whole pool may start.
        self.loading_ended(fx);
        self.ensure_started(fx);
        if let Some(fatal) = &self.fatal {
            fx.push(Effect::AnalysisError {
                message: fatal.clone(),
                job_stopped: false,
            });
            return;
        }
        let view = match ModelView::of(&volume) {
            Ok(v) => v,
            Err(e) => {
                fx.push(Effect::AnalysisError {
                    message: format!("This scan cannot be analysed: {e}."),
                    job_stopped: false,
                });
                return;
            }
        };
        let nz = volume.dims[2];
        let brain = tissue::slices_with_brain(&volume);
        // Slices without brain are done from the start: no model runs on them.
        let skipped_score = |b: &bool| if *b { None } else { Some([0.0; 6]) };
        let skipped = brain.iter().filter(|b| !**b).count();
        self.next_id = self.next_id.wrapping_add(1);
        let job = Job {
            id: self.next_id,
            mask: vec![0; volume.voxels.len()],
            volume,
            view,
            queue: (0..nz).filter(|k| brain[*k]).collect(),
            scores: brain.iter().map(skipped_score).collect(),
            done: skipped,
            started_ms: now_ms,
            ms: [0.0; 4],
            cascade,
            classifying: cascade.is_some(),
            classified: brain.iter().map(skipped_score).collect(),
            classified_done: skipped,
            segmented: 0,
            brain,
            allowed: self.allowed_codes(cascade.is_some()),
        };
        if job.done == nz {
            // Nothing to run (no slice holds brain).
            let workers = self.slots.len();
            fx.push(self.finish(job, workers, now_ms));
            return;
        }
        let to_do = nz - skipped;
        self.job = Some(job);
        let text = if self.slots.iter().any(|s| s.ready) {
            format!("Analysing… 0 / {to_do} slices")
        } else {
            "Loading the models…".to_string()
        };
        fx.push(Effect::Progress {
            text,
            fraction: 0.0,
        });
        self.dispatch(fx);
    }

    /// Hand queued slices to free workers.
    fn dispatch(&mut self, fx: &mut Vec<Effect>) {
        let Some(job) = self.job.as_mut() else {
            return;
        };
        for (slot, s) in self.slots.iter_mut().enumerate() {
            if !s.ready || s.busy.is_some() || s.checking {
                continue;
            }
            let Some(k) = job.queue.pop_front() else {
                break;
            };
            s.busy = Some(k);
            fx.push(Effect::PostSlice {
                slot,
                job: job.id,
                k,
                volume: job.volume.clone(),
                view: job.view,
                mode: if job.classifying {
                    SliceMode::Classify
                } else {
                    SliceMode::Full
                },
                classified: job.classified[k],
            });
        }
    }

    fn on_ready(
        &mut self,
        slot: usize,
        start: WorkerStart,
        downloaded: f64,
        (simd, relaxed_simd): (bool, bool),
        fx: &mut Vec<Effect>,
    ) {
        let Some(s) = self.slots.get_mut(slot) else {
            return;
        };
        s.ready = true;
        // A new worker gets the users' models before any slice (messages keep their order).
        for u in self.user.iter().flatten() {
            fx.push(Effect::PostModel {
                slot,
                model: u.clone(),
            });
        }
        let first = self.first_start.is_none();
        if first {
            self.first_start = Some(start);
        }
        // Already done on its "cached" message, unless that was lost: a no-op then.
        self.start_the_others(fx);
        fx.push(Effect::WorkerReady {
            simd,
            relaxed_simd,
            start: first.then_some(start),
            note: first.then(|| {
                if downloaded > 0.0 {
                    format!("downloaded {:.1} MB", downloaded / 1e6)
                } else {
                    "from the browser cache".to_string()
                }
            }),
        });
        if let Some(job) = self.job.as_ref().filter(|j| j.done == 0) {
            fx.push(Effect::Progress {
                text: format!("Analysing… 0 / {} slices", job.scores.len()),
                fraction: 0.0,
            });
        }
        self.send_pending_check(fx);
        self.dispatch(fx);
    }

    /// Hand a user's model waiting for its check to a free, ready worker.
    fn send_pending_check(&mut self, fx: &mut Vec<Effect>) {
        let Some(u) = self.pending_check.as_ref() else {
            return;
        };
        if self.slots.iter().any(|s| s.checking) {
            return;
        }
        if let Some((slot, s)) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, s)| s.ready && s.busy.is_none() && !s.checking)
        {
            s.checking = true;
            fx.push(Effect::PostModel {
                slot,
                model: u.clone(),
            });
        }
    }

    fn on_model(&mut self, slot: usize, verdict: ModelVerdict, fx: &mut Vec<Effect>) {
        let ModelVerdict {
            role,
            ok,
            name,
            version,
            warnings,
            message,
        } = verdict;
        let was_checking = self
            .slots
            .get_mut(slot)
            .map(|s| std::mem::replace(&mut s.checking, false))
            .unwrap_or(false);
        let checked = if was_checking {
            self.pending_check.take()
        } else {
            None
        };
        match (checked, ok) {
            (Some(u), true) => {
                self.user[role_index(role)] = Some(u);
                // Fresh workers get every user model before any slice.
                self.restart(fx);
                let mut text = format!(
                    "Using {name} {version} as the {} for this session (user model).",
                    role.as_str()
                );
                for w in &warnings {
                    text.push_str(&format!(" Warning: {w}."));
                }
                fx.push(Effect::ModelInUse {
                    role,
                    name,
                    version,
                });
                fx.push(Effect::ModelCheck { ok: true, text });
            }
            (Some(_), false) => {
                fx.push(Effect::ModelCheck {
                    ok: false,
                    text: format!("The {} was refused: {message}", role.as_str()),
                });
                self.dispatch(fx);
            }
            // Every worker re-checks the users' models when it starts; the first check
            // passed, so a failure here is unexpected: go back to the shipped models.
            (None, false) => {
                self.user = [None, None];
                self.restart(fx);
                fx.push(Effect::ModelsReset);
                fx.push(Effect::ModelCheck {
                    ok: false,
                    text: format!(
                        "A worker refused the user model ({message}); back to the shipped models."
                    ),
                });
            }
            (None, true) => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_slice(
        &mut self,
        slot: usize,
        job_id: u32,
        k: usize,
        mode: SliceMode,
        scores: [f32; 6],
        labels: &[u8],
        ms: [f64; 4],
        now_ms: f64,
        fx: &mut Vec<Effect>,
    ) {
        if let Some(s) = self.slots.get_mut(slot) {
            s.busy = None;
        }
        let Some(job) = self.job.as_mut().filter(|j| j.id == job_id) else {
            self.dispatch(fx);
            return;
        };
        let per = job.volume.dims[0] * job.volume.dims[1];
        let accepted = k < job.scores.len() && (mode == SliceMode::Classify || labels.len() == per);
        if !accepted {
            self.dispatch(fx);
            return;
        }
        for (acc, v) in job.ms.iter_mut().zip(ms) {
            *acc += v;
        }
        let mut streamed = None;
        if mode == SliceMode::Classify {
            if job.classified[k].replace(scores).is_none() {
                job.classified_done += 1;
            }
            if job.classified_done == job.scores.len() {
                end_classifier_pass(job);
            }
        } else {
            if job.scores[k].replace(scores).is_none() {
                job.done += 1;
                job.segmented += 1;
            }
            let mut stored = job.view.to_stored(labels).into_owned();
            clear_disallowed(&mut stored, &job.allowed);
            job.mask[k * per..(k + 1) * per].copy_from_slice(&stored);
            streamed = Some(stored);
        }
        let total = job.scores.len();
        if job.done == total {
            let workers = self.slots.len();
            if let Some(job) = self.job.take() {
                fx.push(self.finish(job, workers, now_ms));
            }
            return;
        }
        if let Some(labels) = streamed {
            fx.push(Effect::SliceLabels { k, labels });
        }
        let fraction = progress(job);
        let elapsed = now_ms - job.started_ms;
        let left_s = if fraction > 0.0 {
            elapsed / fraction * (1.0 - fraction) / 1000.0
        } else {
            0.0
        };
        let skipped = job.skipped();
        fx.push(Effect::Progress {
            text: format!(
                "Analysing… {} / {} slices, about {left_s:.0} s left",
                job.done - skipped,
                total - skipped
            ),
            fraction,
        });
        self.dispatch(fx);
    }

    /// The card of the model in use for `role`: the user's, or the shipped one.
    fn active_card(&self, role: ModelRole) -> crate::Result<ModelCard> {
        match (&self.user[role_index(role)], role) {
            (Some(u), _) => ModelCard::from_json(&u.card_text),
            (None, ModelRole::Classifier) => ModelCard::from_json(shipped::CLASSIFIER_CARD),
            (None, ModelRole::Segmenter) => ModelCard::from_json(shipped::SEGMENTER_CARD),
        }
    }

    /// The label codes a result keeps with the models in use (as `assemble` decides); all of
    /// them when a card cannot be read (the result then says why).
    fn allowed_codes(&self, cascade: bool) -> [bool; 6] {
        let cards = (
            self.active_card(ModelRole::Classifier),
            self.active_card(ModelRole::Segmenter),
            AnalysisCard::from_json(shipped::ANALYSIS_CARD),
        );
        match cards {
            (Ok(cls), Ok(seg), Ok(card)) => {
                let status = label_status(&card, &contributing(&cls, &seg, &card, cascade));
                allowed_codes(&assessed_flags(&status))
            }
            _ => [true; 6],
        }
    }

    /// Every slice is back: build the result exactly as the CLI does.
    fn finish(&self, mut job: Job, workers: usize, now_ms: f64) -> Effect {
        let result = (|| -> crate::Result<_> {
            let cls = self.active_card(ModelRole::Classifier)?;
            let seg = self.active_card(ModelRole::Segmenter)?;
            let card = AnalysisCard::from_json(shipped::ANALYSIS_CARD)?;
            let scores: Vec<Option<[f32; 6]>> = (job.scores.iter().zip(&job.brain))
                .map(|(s, brain)| brain.then(|| s.unwrap_or([0.0; 6])))
                .collect();
            let total = now_ms - job.started_ms;
            let nz = scores.len().max(1) as f64;
            let mut t = BTreeMap::new();
            for (name, v) in ["preprocess", "classifier", "segmenter", "postprocess"]
                .iter()
                .zip(job.ms)
            {
                t.insert(name.to_string(), v);
            }
            t.insert("total".to_string(), total);
            t.insert("per_slice".to_string(), total / nz);
            t.insert("workers".to_string(), workers as f64);
            let mut models = model_versions(&cls, &seg, &card);
            if job.cascade.is_some() {
                // The classifier chose the slices (as in `hemoscope analyze --cascade`).
                t.insert("cascade_segmented".to_string(), job.segmented as f64);
                models.insert(cls.name.clone(), cls.version.clone());
            }
            let status = label_status(
                &card,
                &contributing(&cls, &seg, &card, job.cascade.is_some()),
            );
            let mut mask = std::mem::take(&mut job.mask);
            let result = assemble(&job.volume, &scores, &mut mask, &card, status, models, t)?;
            Ok((result, mask))
        })();
        Effect::Finished {
            volume: job.volume,
            result: Box::new(result.map_err(|e| e.to_string())),
        }
    }
}

/// Models cannot change while an analysis runs.
fn busy_refusal() -> Effect {
    Effect::ModelCheck {
        ok: false,
        text: BUSY_MESSAGE.to_string(),
    }
}

/// The share of the job done; the cascade's classifier pass counts as a fifth of the work.
/// Slices without brain count for nothing: they were done before any work began.
fn progress(job: &Job) -> f64 {
    let skipped = job.skipped();
    let total = job.scores.len().saturating_sub(skipped).max(1) as f64;
    let classified = job.classified_done.saturating_sub(skipped) as f64;
    let done = job.done.saturating_sub(skipped) as f64;
    match job.cascade {
        Some(_) if job.classifying => 0.2 * classified / total,
        Some(_) => 0.2 + 0.8 * done / total,
        None => done / total,
    }
}

/// Every slice is classified: the slices the cascade leaves out get their scores now; the
/// others are queued for the segmenter.
fn end_classifier_pass(job: &mut Job) {
    let Some(c) = job.cascade else {
        return;
    };
    let any: Vec<f32> = job
        .classified
        .iter()
        .map(|p| p.map(|p| p[0]).unwrap_or(0.0))
        .collect();
    let keep = cascade::select(&any, &c);
    let weight = AnalysisCard::from_json(shipped::ANALYSIS_CARD)
        .map(|c| c.slice_score.classifier_weight)
        .unwrap_or(0.0);
    job.classifying = false;
    job.queue.clear();
    for (k, keep) in keep.iter().enumerate() {
        if *keep && job.brain[k] {
            job.queue.push_back(k);
        } else if job.scores[k].is_none() {
            let p = job.classified[k].unwrap_or([0.0; 6]);
            job.scores[k] = Some(cascade::skipped_scores(&p, weight));
            job.done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Geometry;

    /// A volume of soft tissue (0 HU, 10 mm pixels: enough to count as brain).
    fn volume(nz: usize) -> Rc<Volume> {
        volume_with_air(nz, &[])
    }

    /// Idem, with the slices `air` empty (no brain: not sent to the models).
    fn volume_with_air(nz: usize, air: &[usize]) -> Rc<Volume> {
        let mut voxels = vec![0i16; 4 * 3 * nz];
        for k in air {
            voxels[k * 12..(k + 1) * 12].fill(-1000);
        }
        Rc::new(Volume::new(
            [4, 3, nz],
            voxels,
            Geometry::lps_axial([10.0, 10.0, 5.0]),
            "test",
        ))
    }

    fn spawned(fx: &[Effect]) -> Vec<usize> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Spawn { slot } => Some(*slot),
                _ => None,
            })
            .collect()
    }

    /// (slot, k, mode) of every slice posted.
    fn posted(fx: &[Effect]) -> Vec<(usize, usize, SliceMode)> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::PostSlice { slot, k, mode, .. } => Some((*slot, *k, *mode)),
                _ => None,
            })
            .collect()
    }

    fn progress_text(fx: &[Effect]) -> Option<&str> {
        fx.iter().rev().find_map(|e| match e {
            Effect::Progress { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }

    fn ready(slot: usize) -> PoolMsg {
        PoolMsg::Ready {
            slot,
            downloaded_bytes: 0.0,
            simd: true,
            relaxed_simd: false,
            start: WorkerStart {
                compile_ms: 300.0,
                read_ms: 100.0,
                build_ms: 400.0,
            },
        }
    }

    fn done(slot: usize, job: u32, k: usize, now_ms: f64) -> PoolMsg {
        PoolMsg::SliceDone {
            slot,
            job,
            k,
            mode: SliceMode::Full,
            scores: [0.99; 6],
            labels: vec![1; 12],
            ms: [1.0, 0.0, 10.0, 2.0],
            now_ms,
        }
    }

    fn start(pool: &mut Pool, nz: usize, cascade: Option<Cascade>) -> Vec<Effect> {
        pool.update(PoolMsg::Start {
            volume: volume(nz),
            cascade,
            now_ms: 0.0,
        })
    }

    /// A pool of two workers, both ready.
    fn two_ready() -> Pool {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 2,
            unavailable: None,
        });
        assert_eq!(spawned(&pool.update(PoolMsg::WarmUp)), vec![0]);
        assert_eq!(spawned(&pool.update(PoolMsg::Cached)), vec![1]);
        pool.update(ready(0));
        pool.update(ready(1));
        pool
    }

    #[test]
    fn one_worker_fills_the_cache_then_the_others_start() {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 3,
            unavailable: None,
        });
        assert_eq!(spawned(&pool.update(PoolMsg::WarmUp)), vec![0]);
        assert!(
            spawned(&pool.update(PoolMsg::WarmUp)).is_empty(),
            "started once"
        );
        assert_eq!(spawned(&pool.update(PoolMsg::Cached)), vec![1, 2]);
        // The ready message of the first worker does not start more.
        let fx = pool.update(ready(0));
        assert!(spawned(&fx).is_empty());
        match fx.iter().find(|e| matches!(e, Effect::WorkerReady { .. })) {
            Some(Effect::WorkerReady { note, start, .. }) => {
                assert_eq!(note.as_deref(), Some("from the browser cache"));
                assert_eq!(start.map(|s| s.build_ms), Some(400.0));
            }
            other => panic!("no ready notice: {other:?}"),
        }
        match pool
            .update(ready(1))
            .iter()
            .find(|e| matches!(e, Effect::WorkerReady { .. }))
        {
            Some(Effect::WorkerReady { note, start, .. }) => {
                assert_eq!(note, &None, "said once");
                assert_eq!(start, &None, "the first worker's start only");
            }
            other => panic!("no ready notice: {other:?}"),
        }
        assert_eq!(pool.workers(), 3);
        assert_eq!(pool.load_ms(), Some(500.0));
    }

    #[test]
    fn while_a_scan_is_being_opened_only_the_first_worker_starts() {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 3,
            unavailable: None,
        });
        pool.update(PoolMsg::WarmUp);
        pool.update(PoolMsg::Loading(true));
        let fx = pool.update(PoolMsg::Cached);
        assert!(spawned(&fx).is_empty(), "the decode goes first: {fx:?}");
        assert!(matches!(fx.as_slice(), [Effect::OthersDeferred]));
        assert!(
            pool.update(PoolMsg::Cached).is_empty(),
            "the timer is asked for once"
        );
        assert_eq!(spawned(&pool.update(PoolMsg::Loading(false))), vec![1, 2]);
        assert!(
            pool.update(PoolMsg::Loading(false)).is_empty(),
            "started once"
        );
        // Analyze ends the wait too.
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 2,
            unavailable: None,
        });
        pool.update(PoolMsg::WarmUp);
        pool.update(PoolMsg::Loading(true));
        pool.update(PoolMsg::Cached);
        assert_eq!(spawned(&start(&mut pool, 3, None)), vec![1]);
    }

    #[test]
    fn analyze_before_the_models_load_waits_then_fills_every_free_worker() {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 2,
            unavailable: None,
        });
        let fx = start(&mut pool, 5, None);
        assert_eq!(spawned(&fx), vec![0], "Analyze starts the first worker");
        assert_eq!(progress_text(&fx), Some("Loading the models…"));
        assert!(posted(&fx).is_empty());
        pool.update(PoolMsg::Cached);
        let fx = pool.update(ready(0));
        assert_eq!(progress_text(&fx), Some("Analysing… 0 / 5 slices"));
        assert_eq!(posted(&fx), vec![(0, 0, SliceMode::Full)]);
        let fx = pool.update(ready(1));
        assert_eq!(posted(&fx), vec![(1, 1, SliceMode::Full)]);
    }

    #[test]
    fn slices_go_to_free_workers_and_the_result_is_assembled() {
        let mut pool = two_ready();
        let fx = start(&mut pool, 3, None);
        assert_eq!(progress_text(&fx), Some("Analysing… 0 / 3 slices"));
        assert_eq!(
            posted(&fx),
            vec![(0, 0, SliceMode::Full), (1, 1, SliceMode::Full)]
        );
        let fx = pool.update(done(1, 1, 1, 1000.0));
        assert_eq!(posted(&fx), vec![(1, 2, SliceMode::Full)]);
        let (text, fraction) = match fx.iter().find(|e| matches!(e, Effect::Progress { .. })) {
            Some(Effect::Progress { text, fraction }) => (text.clone(), *fraction),
            _ => panic!("no progress"),
        };
        assert_eq!(text, "Analysing… 1 / 3 slices, about 2 s left");
        assert!((fraction - 1.0 / 3.0).abs() < 1e-9);
        assert!(
            posted(&pool.update(done(0, 1, 0, 1500.0))).is_empty(),
            "queue empty"
        );
        let fx = pool.update(done(1, 1, 2, 2000.0));
        assert!(!pool.running());
        match fx.as_slice() {
            [Effect::Finished { result, .. }] => {
                let (r, mask) = result.as_ref().as_ref().expect("assembled");
                assert_eq!(r.slices.len(), 3);
                assert_eq!(mask.len(), 36);
                assert_eq!(r.timings_ms["workers"], 2.0);
                assert_eq!(r.timings_ms["total"], 2000.0);
                assert_eq!(r.timings_ms["segmenter"], 30.0);
            }
            other => panic!("expected the result: {other:?}"),
        }
    }

    #[test]
    fn each_slice_is_shown_before_the_end_with_the_labels_the_result_keeps() {
        let mut pool = two_ready();
        start(&mut pool, 3, None);
        let sent = vec![0, 1, 2, 3, 4, 5, 2, 2, 0, 0, 5, 1];
        let mut msg = done(1, 1, 1, 1000.0);
        if let PoolMsg::SliceDone { labels, .. } = &mut msg {
            labels.clone_from(&sent);
        }
        let streamed = |fx: &[Effect]| -> Vec<(usize, Vec<u8>)> {
            fx.iter()
                .filter_map(|e| match e {
                    Effect::SliceLabels { k, labels } => Some((*k, labels.clone())),
                    _ => None,
                })
                .collect()
        };
        // Epidural (code 1) is not assessed by the shipped models: cleared, as in the result.
        let kept = vec![0, 0, 2, 3, 4, 5, 2, 2, 0, 0, 5, 0];
        assert_eq!(streamed(&pool.update(msg)), vec![(1, kept.clone())]);
        assert_eq!(streamed(&pool.update(done(0, 1, 0, 1500.0))).len(), 1);
        // The last slice comes with the result, which holds what was shown.
        let fx = pool.update(done(1, 1, 2, 2000.0));
        assert!(streamed(&fx).is_empty());
        match fx.as_slice() {
            [Effect::Finished { result, .. }] => {
                let (_, mask) = result.as_ref().as_ref().expect("assembled");
                assert_eq!(mask[12..24], kept[..]);
            }
            other => panic!("expected the result: {other:?}"),
        }
        // A reply of another job shows nothing.
        start(&mut pool, 3, None);
        assert!(streamed(&pool.update(done(0, 1, 0, 2500.0))).is_empty());
    }

    #[test]
    fn a_ras_volume_is_sent_turned_and_its_labels_come_back_on_its_grid() {
        let mut pool = two_ready();
        // RAS storage: i → right, j → anterior (the models read it turned by 180°)
        let ras = Rc::new(Volume::new(
            [4, 3, 1],
            vec![0; 12],
            Geometry::from_affine([
                [10.0, 0.0, 0.0, 0.0],
                [0.0, 10.0, 0.0, 0.0],
                [0.0, 0.0, 5.0, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ]),
            "test",
        ));
        let fx = pool.update(PoolMsg::Start {
            volume: ras,
            cascade: None,
            now_ms: 0.0,
        });
        let view = fx
            .iter()
            .find_map(|e| match e {
                Effect::PostSlice { view, .. } => Some(*view),
                _ => None,
            })
            .expect("slice 0 posted");
        assert!(!view.is_identity());
        // the worker labels the first model pixel only: the stored last voxel
        let mut labels = vec![0u8; 12];
        labels[0] = 2;
        let fx = pool.update(PoolMsg::SliceDone {
            slot: 0,
            job: 1,
            k: 0,
            mode: SliceMode::Full,
            scores: [0.99; 6],
            labels,
            ms: [0.0; 4],
            now_ms: 10.0,
        });
        match fx.as_slice() {
            [Effect::Finished { result, .. }] => {
                let (_, mask) = result.as_ref().as_ref().expect("assembled");
                let mut want = vec![0u8; 12];
                want[11] = 2;
                assert_eq!(mask, &want);
            }
            other => panic!("expected the result: {other:?}"),
        }
    }

    #[test]
    fn a_sagittal_volume_is_refused_before_any_slice_is_sent() {
        let mut pool = two_ready();
        let sagittal = Rc::new(Volume::new(
            [4, 3, 2],
            vec![0; 24],
            Geometry::from_affine([
                [0.0, 0.0, 5.0, 0.0],
                [-10.0, 0.0, 0.0, 0.0],
                [0.0, -10.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ]),
            "test",
        ));
        let fx = pool.update(PoolMsg::Start {
            volume: sagittal,
            cascade: None,
            now_ms: 0.0,
        });
        assert!(posted(&fx).is_empty());
        assert!(!pool.running());
        assert!(fx
            .iter()
            .any(|e| matches!(e, Effect::AnalysisError { message, .. }
            if message.contains("stored as sagittal slices"))));
    }

    #[test]
    fn slices_without_brain_are_not_sent_and_say_so_in_the_result() {
        let mut pool = two_ready();
        let fx = pool.update(PoolMsg::Start {
            volume: volume_with_air(4, &[0, 3]),
            cascade: None,
            now_ms: 0.0,
        });
        assert_eq!(progress_text(&fx), Some("Analysing… 0 / 2 slices"));
        assert_eq!(
            posted(&fx),
            vec![(0, 1, SliceMode::Full), (1, 2, SliceMode::Full)]
        );
        let fx = pool.update(done(0, 1, 1, 1000.0));
        assert!(posted(&fx).is_empty(), "slice 3 is not sent");
        assert_eq!(
            progress_text(&fx),
            Some("Analysing… 1 / 2 slices, about 1 s left")
        );
        let fx = pool.update(done(1, 1, 2, 2000.0));
        match fx.as_slice() {
            [Effect::Finished { result, .. }] => {
                let (r, mask) = result.as_ref().as_ref().expect("assembled");
                let no_brain: Vec<bool> = r.slices.iter().map(|s| s.no_brain).collect();
                assert_eq!(no_brain, vec![true, false, false, true]);
                assert_eq!(r.slices[0].probabilities.any, 0.0);
                assert_eq!(r.slices[1].probabilities.any, 0.99);
                assert_eq!(mask.len(), 48);
                assert_eq!(mask[..12], [0; 12], "no labels where nothing ran");
            }
            other => panic!("expected the result: {other:?}"),
        }
    }

    #[test]
    fn a_volume_without_brain_is_done_at_once() {
        for cascade in [None, Some(Cascade::default())] {
            let mut pool = two_ready();
            let fx = pool.update(PoolMsg::Start {
                volume: volume_with_air(2, &[0, 1]),
                cascade,
                now_ms: 0.0,
            });
            assert!(posted(&fx).is_empty());
            assert!(!pool.running());
            match fx.as_slice() {
                [Effect::Finished { result, .. }] => {
                    let (r, _) = result.as_ref().as_ref().expect("assembled");
                    assert!(r.slices.iter().all(|s| s.no_brain));
                    assert!(!r.verdict.any);
                }
                other => panic!("expected the result: {other:?}"),
            }
        }
    }

    #[test]
    fn replies_of_a_cancelled_job_are_ignored_and_cancel_restarts_the_pool() {
        let mut pool = two_ready();
        start(&mut pool, 4, None);
        let fx = pool.update(PoolMsg::Cancel);
        assert!(matches!(fx.first(), Some(Effect::TerminateAll)));
        assert_eq!(spawned(&fx), vec![0], "a fresh pool starts");
        assert!(fx.iter().any(|e| matches!(e, Effect::Cancelled)));
        assert!(!pool.running());
        assert!(
            pool.update(PoolMsg::Cancel).is_empty(),
            "nothing left to cancel"
        );
        // The next job has another id: a late reply of the old one changes nothing.
        pool.update(PoolMsg::Cached);
        pool.update(ready(0));
        pool.update(ready(1));
        start(&mut pool, 2, None);
        let fx = pool.update(done(0, 1, 0, 10.0));
        assert!(progress_text(&fx).is_none(), "old job's reply: {fx:?}");
        let fx = pool.update(PoolMsg::SliceError {
            job: 1,
            k: 0,
            message: "late".into(),
        });
        assert!(fx.is_empty(), "old job's error: {fx:?}");
    }

    #[test]
    fn a_crash_loses_the_job_with_a_message_and_restarts() {
        let mut pool = two_ready();
        start(&mut pool, 4, None);
        let fx = pool.update(PoolMsg::SliceError {
            job: 1,
            k: 2,
            message: "bad input".into(),
        });
        assert!(matches!(fx.first(), Some(Effect::TerminateAll)));
        assert!(fx.iter().any(|e| matches!(e,
            Effect::AnalysisError { message, job_stopped: true }
                if message == "Slice 3 could not be analysed: bad input")));
        // Without a job a crash only restarts.
        let fx = pool.update(PoolMsg::Crashed {
            message: "gone".into(),
        });
        assert_eq!(spawned(&fx), vec![0]);
        assert!(!fx.iter().any(|e| matches!(e, Effect::AnalysisError { .. })));
    }

    #[test]
    fn fatal_model_errors_make_the_analysis_unavailable() {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 2,
            unavailable: None,
        });
        start(&mut pool, 3, None);
        let fx = pool.update(PoolMsg::Fatal {
            message: "checksum mismatch".into(),
        });
        assert!(
            matches!(fx.as_slice(), [Effect::TerminateAll, Effect::Unavailable(m)]
            if m.contains("checksum mismatch") && m.contains("Reload"))
        );
        assert!(!pool.running());
        assert!(
            pool.update(PoolMsg::WarmUp).is_empty(),
            "no retry without a reload"
        );
        let fx = start(&mut pool, 3, None);
        assert!(matches!(
            fx.as_slice(),
            [Effect::AnalysisError {
                job_stopped: false,
                ..
            }]
        ));
    }

    #[test]
    fn no_simd_means_no_worker_ever() {
        let mut pool = Pool::default();
        let fx = pool.update(PoolMsg::Install {
            size: 2,
            unavailable: Some("no SIMD".into()),
        });
        assert!(matches!(fx.as_slice(), [Effect::Unavailable(m)] if m == "no SIMD"));
        assert!(pool.update(PoolMsg::WarmUp).is_empty());
        assert!(spawned(&start(&mut pool, 3, None)).is_empty());
    }

    #[test]
    fn a_worker_that_cannot_start_is_fatal_only_when_it_is_the_first() {
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 3,
            unavailable: None,
        });
        pool.update(PoolMsg::WarmUp);
        pool.update(PoolMsg::Cached);
        let fx = pool.update(PoolMsg::SpawnFailed {
            slot: 2,
            message: "quota".into(),
        });
        assert!(matches!(fx.as_slice(), [Effect::Warn(_)]));
        assert_eq!(pool.workers(), 2);
        let mut pool = Pool::default();
        pool.update(PoolMsg::Install {
            size: 1,
            unavailable: None,
        });
        pool.update(PoolMsg::WarmUp);
        let fx = pool.update(PoolMsg::SpawnFailed {
            slot: 0,
            message: "blocked".into(),
        });
        assert!(matches!(fx.as_slice(), [Effect::Unavailable(m)]
            if m == "The analysis could not start: blocked"));
    }

    #[test]
    fn a_new_volume_stops_the_running_job() {
        let mut pool = two_ready();
        start(&mut pool, 4, None);
        let fx = pool.update(PoolMsg::VolumeChanged);
        assert!(matches!(fx.first(), Some(Effect::TerminateAll)));
        assert!(!pool.running());
        // Without a job the workers are kept.
        let mut pool = two_ready();
        assert!(pool.update(PoolMsg::VolumeChanged).is_empty());
        assert_eq!(pool.workers(), 2);
    }

    #[test]
    fn the_cascade_classifies_every_slice_then_segments_the_flagged_ones() {
        let mut pool = two_ready();
        let fx = start(&mut pool, 6, Some(cascade()));
        assert_eq!(
            posted(&fx),
            vec![(0, 0, SliceMode::Classify), (1, 1, SliceMode::Classify)]
        );
        let (classified, segmented, finished) = run_cascade(&mut pool, fx, 3);
        assert_eq!(classified, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(
            segmented,
            vec![2, 3, 4],
            "the flagged slice and its neighbours"
        );
        assert_eq!(finished, Some(3.0));
    }

    #[test]
    fn the_cascade_runs_no_model_on_slices_without_brain() {
        let mut pool = two_ready();
        let fx = pool.update(PoolMsg::Start {
            volume: volume_with_air(5, &[0, 4]),
            cascade: Some(cascade()),
            now_ms: 0.0,
        });
        let (classified, segmented, finished) = run_cascade(&mut pool, fx, 1);
        assert_eq!(classified, vec![1, 2, 3]);
        assert_eq!(
            segmented,
            vec![1, 2],
            "slice 0 neighbours the flagged one: no brain"
        );
        assert_eq!(finished, Some(2.0));
    }

    fn cascade() -> Cascade {
        Cascade {
            threshold: 0.5,
            neighbours: 1,
        }
    }

    /// Answers every posted slice (only slice `bleeds` has a high classifier score) until the
    /// result: the slices classified and segmented (sorted), and the count of segmented slices
    /// the result reports.
    fn run_cascade(
        pool: &mut Pool,
        fx: Vec<Effect>,
        bleeds: usize,
    ) -> (Vec<usize>, Vec<usize>, Option<f64>) {
        let mut pending: VecDeque<(usize, usize, SliceMode)> = posted(&fx).into();
        let (mut classified, mut segmented) = (Vec::new(), Vec::new());
        let mut finished = None;
        let mut t = 0.0;
        while let Some((slot, k, mode)) = pending.pop_front() {
            t += 10.0;
            let msg = match mode {
                SliceMode::Classify => {
                    classified.push(k);
                    let p = if k == bleeds { 0.9 } else { 0.1 };
                    PoolMsg::SliceDone {
                        slot,
                        job: 1,
                        k,
                        mode,
                        scores: [p; 6],
                        labels: Vec::new(),
                        ms: [0.0; 4],
                        now_ms: t,
                    }
                }
                SliceMode::Full => {
                    segmented.push(k);
                    done(slot, 1, k, t)
                }
            };
            let fx = pool.update(msg);
            pending.extend(posted(&fx));
            if let Some(Effect::Finished { result, .. }) =
                fx.iter().find(|e| matches!(e, Effect::Finished { .. }))
            {
                let (r, _) = result.as_ref().as_ref().expect("assembled");
                finished = Some(r.timings_ms["cascade_segmented"]);
            }
        }
        classified.sort();
        segmented.sort();
        (classified, segmented, finished)
    }

    fn user_model() -> UserModel {
        UserModel {
            role: ModelRole::Segmenter,
            card_text: shipped::SEGMENTER_CARD.to_string(),
            onnx: Rc::new(vec![1, 2, 3]),
        }
    }

    fn checked(slot: usize, ok: bool) -> PoolMsg {
        PoolMsg::ModelChecked {
            slot,
            verdict: ModelVerdict {
                role: ModelRole::Segmenter,
                ok,
                name: "mine".into(),
                version: "2".into(),
                warnings: vec!["smaller input".into()],
                message: "bad output shape".into(),
            },
        }
    }

    #[test]
    fn a_user_model_is_checked_by_one_worker_then_every_worker_gets_it() {
        let mut pool = two_ready();
        let fx = pool.update(PoolMsg::CheckUserModel(user_model()));
        assert!(matches!(fx.as_slice(), [Effect::PostModel { slot: 0, .. }]));
        // While worker 0 checks it, slices go to worker 1 only.
        let fx = start(&mut pool, 3, None);
        assert_eq!(posted(&fx), vec![(1, 0, SliceMode::Full)]);
        pool.update(PoolMsg::Cancel);
        let fx = pool.update(checked(0, true));
        assert!(fx.is_empty(), "the restart forgot the check: {fx:?}");

        let mut pool = two_ready();
        pool.update(PoolMsg::CheckUserModel(user_model()));
        let fx = pool.update(checked(0, true));
        assert!(matches!(fx.first(), Some(Effect::TerminateAll)));
        assert!(fx.iter().any(|e| matches!(e, Effect::ModelCheck { ok: true, text }
            if text == "Using mine 2 as the segmenter for this session (user model). Warning: smaller input.")));
        assert!(fx.iter().any(|e| matches!(e, Effect::ModelInUse { .. })));
        // Fresh workers get it before any slice.
        pool.update(PoolMsg::Cached);
        let fx = pool.update(ready(0));
        assert!(matches!(
            fx.first(),
            Some(Effect::PostModel { slot: 0, .. })
        ));
    }

    #[test]
    fn a_refused_user_model_changes_nothing_and_models_cannot_change_mid_analysis() {
        let mut pool = two_ready();
        pool.update(PoolMsg::CheckUserModel(user_model()));
        let fx = pool.update(checked(0, false));
        assert!(
            matches!(fx.as_slice(), [Effect::ModelCheck { ok: false, text }]
            if text == "The segmenter was refused: bad output shape")
        );
        start(&mut pool, 3, None);
        let fx = pool.update(PoolMsg::CheckUserModel(user_model()));
        assert!(
            matches!(fx.as_slice(), [Effect::ModelCheck { ok: false, text }] if text == BUSY_MESSAGE)
        );
        let fx = pool.update(PoolMsg::UseShipped);
        assert!(matches!(
            fx.as_slice(),
            [Effect::ModelCheck { ok: false, .. }]
        ));
        pool.update(PoolMsg::Cancel);
        let fx = pool.update(PoolMsg::UseShipped);
        assert!(fx.iter().any(|e| matches!(e, Effect::ModelsReset)));
    }

    #[test]
    fn a_worker_refusing_an_accepted_model_goes_back_to_the_shipped_ones() {
        let mut pool = two_ready();
        pool.update(PoolMsg::CheckUserModel(user_model()));
        pool.update(checked(0, true));
        pool.update(PoolMsg::Cached);
        pool.update(ready(0));
        let fx = pool.update(checked(0, false));
        assert!(fx.iter().any(|e| matches!(e, Effect::ModelsReset)));
        pool.update(PoolMsg::Cached);
        let fx = pool.update(ready(0));
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::PostModel { .. })),
            "{fx:?}"
        );
    }

    #[test]
    fn a_slice_with_a_wrong_label_map_is_not_counted() {
        let mut pool = two_ready();
        start(&mut pool, 2, None);
        let fx = pool.update(PoolMsg::SliceDone {
            slot: 0,
            job: 1,
            k: 0,
            mode: SliceMode::Full,
            scores: [0.0; 6],
            labels: vec![0; 5],
            ms: [0.0; 4],
            now_ms: 1.0,
        });
        assert!(progress_text(&fx).is_none());
        assert!(pool.running());
    }
}
