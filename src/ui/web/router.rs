//! The router: hands each [`Msg`] to the part of the shell that acts on it. The only module
//! that knows the loader, the analysis, the gallery, the exports and the model loader together.

use crate::ui::core::loading::analyse_after_load;
use crate::ui::web::msg::{self, Msg};
use crate::ui::web::analysis;
use crate::ui::web::export;
use crate::ui::web::gallery;
use crate::ui::web::loader;
use crate::ui::app::state::AppRef;

/// Route the page's messages from now on.
pub fn install() {
    msg::set_router(route);
}

fn route(app: &AppRef, m: Msg) {
    match m {
        Msg::OpenFiles(files) => loader::open_files(app, files),
        Msg::OpenDemo => loader::open_demo(app),
        Msg::OpenSeries(index) => loader::open_series(app, index),
        Msg::OpenCaseFiles { files, truth, what } => {
            loader::open_buffers(app, files, truth, &what)
        }
        Msg::WarmUp => analysis::warm_up(app),
        Msg::LoadFailed => {
            analysis::load_failed(app);
            gallery::load_failed(app);
        }
        Msg::VolumeLoaded { truth, auto } => {
            let opened = gallery::volume_loaded(app, truth.map(|t| *t));
            analysis::volume_changed(app, analyse_after_load(opened, auto));
        }
        Msg::Analyze => analysis::start(app),
        Msg::CancelAnalysis => analysis::cancel(app),
        Msg::AnalysisFinished => gallery::analysis_finished(app),
        Msg::AnalysisStopped { cancelled } => gallery::analysis_stopped(app, cancelled),
        Msg::ToDecoder { msg, transfer } => loader::send_export(app, msg, transfer),
        Msg::ExportReply(data) => export::on_worker_message(app, &data),
        Msg::CheckUserModel {
            role,
            card_text,
            onnx,
        } => analysis::check_user_model(app, role, card_text, onnx),
        Msg::UseShippedModels => analysis::use_shipped_models(app),
        Msg::Key(act) => app.borrow_mut().apply_key(act),
        Msg::GroundTruthMode(mode) => app.borrow_mut().set_gt_mode(mode),
        Msg::ModelCheck(check) => app.borrow_mut().set_model_check(check),
        Msg::Cascade(on) => {
            let mut a = app.borrow_mut();
            a.session.analysis_info.cascade = on;
            a.refresh_analysis();
        }
    }
}
