//! What one part of the shell asks of another, as messages: a handler sends a [`Msg`] instead
//! of calling the part that acts on it, and the router (`ui/web/router.rs`) hands each message to
//! that part. So the parts do not import each other: the loader does not know the analysis,
//! the analysis does not know the gallery, and so on.
//!
//! A message sent while another is being handled waits its turn (in the same task, before the
//! page gets control back), so no part runs inside another's handler.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use js_sys::{Array, ArrayBuffer};
use wasm_bindgen::JsValue;
use web_sys::File;

use crate::model::ModelRole;
use crate::ui::core::analysis_info::ModelCheck;
use crate::ui::core::case::GtMode;
use crate::ui::core::keys::KeyAction;
use crate::ui::app::state::AppRef;
use crate::Volume;

/// Everything one part of the shell asks of another.
pub enum Msg {
    /// Files chosen or dropped by the user.
    OpenFiles(Vec<File>),
    OpenDemo,
    /// A series of the last drop, by its index in the series list.
    OpenSeries(usize),
    /// A dataset case's fetched files, with its label map when it has one.
    OpenCaseFiles {
        files: Vec<(String, ArrayBuffer)>,
        truth: Option<(String, ArrayBuffer)>,
        what: String,
    },
    /// A scan is being opened: load the models now, if not yet.
    WarmUp,
    /// The decode worker could not open the last request (its message is shown).
    LoadFailed,
    /// A new volume is on screen; `truth` is a dataset case's label map, as decoded; `auto` is
    /// the "analyse automatically" box.
    VolumeLoaded {
        truth: Option<Box<Result<Volume, String>>>,
        auto: bool,
    },
    Analyze,
    CancelAnalysis,
    /// The analysis of the shown volume finished (its result is in the app).
    AnalysisFinished,
    /// The analysis stopped without a result: cancelled, or failed.
    AnalysisStopped { cancelled: bool },
    /// A request for the decode worker (exports).
    ToDecoder { msg: JsValue, transfer: Array },
    /// The decode worker's answer to an export.
    ExportReply(JsValue),
    /// Check a user's model and use it when it passes.
    CheckUserModel {
        role: ModelRole,
        card_text: String,
        onnx: Vec<u8>,
    },
    UseShippedModels,
    /// The outcome (or the progress) of a user-model check, to show.
    ModelCheck(ModelCheck),
    /// The cascade checkbox.
    Cascade(bool),
    /// A shortcut key's action.
    Key(KeyAction),
    /// The ground-truth toggle: which masks the overlay shows.
    GroundTruthMode(GtMode),
}

/// Who handles the messages (set once at start by the router).
pub type Router = fn(&AppRef, Msg);

thread_local! {
    static QUEUE: RefCell<VecDeque<Msg>> = const { RefCell::new(VecDeque::new()) };
    static DRAINING: Cell<bool> = const { Cell::new(false) };
    static ROUTER: Cell<Option<Router>> = const { Cell::new(None) };
}

/// Set the router (once, at start).
pub fn set_router(router: Router) {
    ROUTER.with(|r| r.set(Some(router)));
}

/// Send a message: handled now, or after the message being handled.
pub fn send(app: &AppRef, msg: Msg) {
    QUEUE.with(|q| q.borrow_mut().push_back(msg));
    if DRAINING.with(|d| d.replace(true)) {
        return;
    }
    let router = ROUTER.with(Cell::get);
    while let Some(msg) = QUEUE.with(|q| q.borrow_mut().pop_front()) {
        if let Some(route) = router {
            route(app, msg);
        }
    }
    DRAINING.with(|d| d.set(false));
}
