//! Exports of a finished analysis, as downloads made in the page: the mask (NIfTI) and the
//! DICOM Segmentation are built by the decode worker (it links the DICOM and NIfTI writers),
//! the reports (JSON, CSV) and the PNG of the views as shown here. Every file is handed to the
//! browser through a blob URL and an `<a download>` click, and the URL is revoked afterwards:
//! nothing is sent anywhere.

use std::cell::Cell;

use chrono::{DateTime, Utc};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlAnchorElement, HtmlButtonElement,
    HtmlCanvasElement, HtmlElement, MouseEvent, Url,
};

use crate::analysis::report::{
    report_csv, report_json, time_from_unix_ms, ReportInfo, RESEARCH_USE, SOFTWARE_VERSION,
};
use crate::io::dicom_seg::SEGMENTS;
use crate::model::card::ModelCard;
use crate::model::shipped;
use crate::render::OKABE_ITO;
use crate::ui::view::dom::{self, by_id};
use crate::ui::view::dom::listen;
use crate::ui::workers::decode_protocol::{self as protocol, ExportRequest, VolumeMeta};
use crate::ui::app::state::{App, Status};
use crate::ui::web::msg::{send, Msg};
use crate::ui::app::state::AppRef;

thread_local! {
    /// Id of the newest worker export request; older answers are ignored.
    static EXPORT_ID: Cell<u32> = const { Cell::new(0) };
}

/// What one export button does.
type Action = fn(&AppRef);

/// Wire the export buttons.
pub fn install(app: AppRef) -> Result<(), JsValue> {
    let el = app.borrow().ael.export.clone();
    let buttons: [(&HtmlButtonElement, Action); 5] = [
        (&el.mask, |a| request_worker(a, "mask")),
        (&el.seg, |a| request_worker(a, "seg")),
        (&el.json, |a| export_report(a, false)),
        (&el.csv, |a| export_report(a, true)),
        (&el.png, export_png),
    ];
    for (button, action) in buttons {
        let app = app.clone();
        listen::<MouseEvent>(&button.clone().into(), "click", true, move |_| action(&app))?;
    }
    Ok(())
}

impl App {
    /// Enable the exports once an analysis is shown; DICOM SEG only for DICOM input.
    pub fn refresh_exports(&self) {
        let e = &self.ael.export;
        let ready = self.session.analysis.is_some() && self.session.viewer.status != Status::Analyzing;
        let dicom = self
            .session
            .loaded
            .as_ref()
            .is_some_and(|l| l.volume.dicom.is_some());
        for b in [&e.mask, &e.json, &e.csv, &e.png] {
            if b.disabled() == ready {
                b.set_disabled(!ready);
            }
        }
        if e.seg.disabled() == (ready && dicom) {
            e.seg.set_disabled(!(ready && dicom));
        }
        let title = if dicom {
            ""
        } else {
            "A DICOM Segmentation refers to DICOM source images: open a DICOM series to export one"
        };
        if e.seg.title() != title {
            e.seg.set_title(title);
        }
    }
}

fn set_status(app: &AppRef, text: &str, error: bool) {
    let status = app.borrow().ael.export.status.clone();
    dom::set_text(&status, text);
    let _ = status.class_list().toggle_with_force("error", error);
}

/// The analysis time and a file-name stamp, or why there is nothing to export.
fn analysis_time(app: &AppRef) -> Result<(DateTime<Utc>, String), String> {
    let a = app.borrow();
    let an = a
        .session
        .analysis
        .as_ref()
        .ok_or("Nothing to export: analyse a scan first.")?;
    let t = time_from_unix_ms(an.analysed_at_ms).map_err(|e| e.to_string())?;
    Ok((t, t.format("%Y%m%d-%H%M%S").to_string()))
}

fn export_report(app: &AppRef, csv: bool) {
    let built = (|| -> Result<(String, String), String> {
        let (time, stamp) = analysis_time(app)?;
        let a = app.borrow();
        let (Some(an), Some(l)) = (a.session.analysis.as_ref(), a.session.loaded.as_ref()) else {
            return Err("Nothing to export: analyse a scan first.".into());
        };
        let info = ReportInfo::new(&l.volume, time, a.ael.export.include_patient.checked());
        let text = if csv {
            report_csv(&an.result, &info)
        } else {
            report_json(&an.result, info)
        }
        .map_err(|e| e.to_string())?;
        let ext = if csv { "csv" } else { "json" };
        Ok((text, format!("hemoscope-report-{stamp}.{ext}")))
    })();
    match built {
        Ok((text, name)) => {
            let mime = if csv { "text/csv" } else { "application/json" };
            save_bytes(app, text.as_bytes(), &name, mime);
        }
        Err(e) => set_status(app, &e, true),
    }
}

/// Ask the decode worker for the NIfTI mask or the DICOM SEG.
fn request_worker(app: &AppRef, kind: &str) {
    let built = (|| -> Result<(JsValue, Array), String> {
        let (_, stamp) = analysis_time(app)?;
        let a = app.borrow();
        let (Some(an), Some(l)) = (a.session.analysis.as_ref(), a.session.loaded.as_ref()) else {
            return Err("Nothing to export: analyse a scan first.".into());
        };
        if kind == "seg" && l.volume.dicom.is_none() {
            return Err("A DICOM Segmentation needs DICOM input; this scan is NIfTI.".into());
        }
        let card = ModelCard::from_json(shipped::SEGMENTER_CARD).map_err(|e| e.to_string())?;
        let name = match kind {
            "seg" => format!("hemoscope-seg-{stamp}.dcm"),
            _ => format!("hemoscope-mask-{stamp}.nii.gz"),
        };
        let request = ExportRequest {
            volume: VolumeMeta::of(&l.volume, 0.0),
            kind: kind.to_string(),
            algorithm: format!("{} {}", card.name, card.version),
            time_ms: an.analysed_at_ms,
            name,
        };
        let meta = serde_json::to_string(&request).map_err(|e| e.to_string())?;
        let mask = Uint8Array::from(an.mask.as_slice());
        let id = EXPORT_ID.with(|c| {
            c.set(c.get().wrapping_add(1));
            c.get()
        });
        let msg = protocol::object(&[
            ("type", "export".into()),
            ("export_id", id.into()),
            ("meta", meta.into()),
            ("mask", mask.clone().into()),
        ])
        .map_err(|e| dom::js_error_text(&e))?;
        Ok((msg.into(), Array::of1(&mask.buffer())))
    })();
    match built {
        Ok((msg, transfer)) => {
            set_status(app, "Preparing the file…", false);
            send(app, Msg::ToDecoder { msg, transfer });
        }
        Err(e) => set_status(app, &e, true),
    }
}

/// The decode worker's answer to an export request.
pub fn on_worker_message(app: &AppRef, data: &JsValue) {
    let id = protocol::get_f64(data, "export_id");
    if id != EXPORT_ID.with(Cell::get) as f64 {
        return;
    }
    match protocol::get_str(data, "type").as_str() {
        "exported" => {
            let name = protocol::get_str(data, "name");
            let mime = protocol::get_str(data, "mime");
            match protocol::get(data, "bytes").dyn_into::<Uint8Array>() {
                Ok(bytes) => save_array(app, &bytes, &name, &mime),
                Err(_) => set_status(app, "The export came back empty.", true),
            }
        }
        _ => set_status(
            app,
            &format!("The export failed: {}", protocol::get_str(data, "message")),
            true,
        ),
    }
}

/// Save bytes made in this module (reports) as a download.
fn save_bytes(app: &AppRef, bytes: &[u8], name: &str, mime: &str) {
    save_array(app, &Uint8Array::from(bytes), name, mime);
}

/// Save a JS byte array as a download (the worker's exports go straight into the blob, without
/// a round trip through wasm memory).
fn save_array(app: &AppRef, bytes: &Uint8Array, name: &str, mime: &str) {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let saved = Blob::new_with_u8_array_sequence_and_options(&Array::of1(bytes), &options)
        .and_then(|b| download(&b, name));
    match saved {
        Ok(()) => set_status(
            app,
            &format!("Saved {name} ({:.1} kB).", bytes.length() as f64 / 1000.0),
            false,
        ),
        Err(e) => set_status(
            app,
            &format!("The download could not start: {}", dom::js_error_text(&e)),
            true,
        ),
    }
}

/// Offer a blob as a download: a blob URL, a click on a temporary `<a download>`, and the URL
/// revoked a moment later (once the browser has started reading it).
fn download(blob: &Blob, name: &str) -> Result<(), JsValue> {
    let url = Url::create_object_url_with_blob(blob)?;
    let doc = dom::document()?;
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    let body = doc
        .body()
        .ok_or_else(|| JsValue::from_str("no document body"))?;
    body.append_child(&a)?;
    a.click();
    a.remove();
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    dom::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000)?;
    Ok(())
}

/// Height of the legend band under the views, in CSS pixels (scaled with the views).
const LEGEND_HEIGHT: f64 = 46.0;

/// The views as the user sees them, as PNG: every view of the current layout (one, or the
/// three side by side) with its image, overlay, crosshair, measurements and orientation
/// letters, placed as on screen, then a legend of the subtype colours (hidden ones struck
/// through, those the analysis does not assess marked so) and the research-use line.
fn export_png(app: &AppRef) {
    let built = (|| -> Result<(HtmlCanvasElement, String), JsValue> {
        let (_, stamp) = analysis_time(app).map_err(|e| JsValue::from_str(&e))?;
        let a = app.borrow();
        let doc = dom::document()?;
        let views: HtmlElement = by_id("views")?;
        let frame = views.get_bounding_client_rect();
        let (fw, fh) = (frame.width().max(1.0), frame.height().max(1.0));
        // Canvases and letters that are on screen (a hidden view has an empty box).
        let shown: Vec<_> = dom::select_all::<HtmlCanvasElement>(&views, "canvas")?
            .into_iter()
            .map(|c| {
                let r = c.get_bounding_client_rect();
                (c, r)
            })
            .filter(|(c, r)| {
                r.width() >= 1.0 && r.height() >= 1.0 && c.width() > 0 && c.height() > 0
            })
            .collect();
        // Backing-store pixels per CSS pixel (1, or the device pixel ratio).
        let scale = shown
            .iter()
            .map(|(c, r)| f64::from(c.width()) / r.width())
            .fold(1.0f64, f64::max)
            .min(4.0);
        let out: HtmlCanvasElement = doc.create_element("canvas")?.dyn_into()?;
        let width = (fw * scale).round().max(480.0);
        out.set_width(width as u32);
        out.set_height(((fh + LEGEND_HEIGHT) * scale).round() as u32);
        let ctx: CanvasRenderingContext2d = out
            .get_context("2d")?
            .ok_or_else(|| JsValue::from_str("no 2D canvas"))?
            .dyn_into()?;
        ctx.set_fill_style_str("#000");
        ctx.fill_rect(0.0, 0.0, f64::from(out.width()), f64::from(out.height()));
        ctx.set_image_smoothing_enabled(false);
        for (c, r) in &shown {
            ctx.draw_image_with_html_canvas_element_and_dw_and_dh(
                c,
                (r.left() - frame.left()) * scale,
                (r.top() - frame.top()) * scale,
                r.width() * scale,
                r.height() * scale,
            )?;
        }
        ctx.set_font(&format!("600 {:.0}px system-ui, sans-serif", 16.0 * scale));
        ctx.set_text_align("center");
        ctx.set_text_baseline("middle");
        ctx.set_fill_style_str("#ffd84a");
        for l in dom::select_all::<HtmlElement>(&views, ".orient")? {
            let r = l.get_bounding_client_rect();
            let text = l.text_content().unwrap_or_default();
            if r.width() < 1.0 || text.is_empty() {
                continue;
            }
            ctx.fill_text(
                &text,
                (r.left() + r.width() / 2.0 - frame.left()) * scale,
                (r.top() + r.height() / 2.0 - frame.top()) * scale,
            )?;
        }
        ctx.set_text_align("start");
        ctx.set_text_baseline("alphabetic");
        // Legend: the five subtypes in the overlay colours.
        let assessed = a
            .session
            .analysis
            .as_ref()
            .map(|an| crate::analysis::status::assessed_flags(&an.result.label_status))
            .unwrap_or([true; 6]);
        ctx.set_font(&format!("{:.0}px system-ui, sans-serif", 13.0 * scale));
        let mut x = 8.0 * scale;
        let y = (fh + 16.0) * scale;
        for kind in SEGMENTS {
            let code = usize::from(kind.code);
            let [r, g, b] = OKABE_ITO[code];
            ctx.set_fill_style_str(&format!("rgb({r},{g},{b})"));
            ctx.fill_rect(x, y - 10.0 * scale, 12.0 * scale, 12.0 * scale);
            ctx.set_fill_style_str("#fff");
            let label = if assessed[code] {
                kind.label.to_string()
            } else {
                format!("{} not assessed", kind.label)
            };
            ctx.fill_text(&label, x + 16.0 * scale, y)?;
            let text_w = ctx.measure_text(&label)?.width();
            if !a.session.overlay.visible[code] {
                ctx.fill_rect(x, y - 4.0 * scale, 16.0 * scale + text_w, scale);
            }
            x += 16.0 * scale + text_w + 14.0 * scale;
        }
        let slices = a.slice_count();
        let caption = format!(
            "{RESEARCH_USE} · Hemoscope {SOFTWARE_VERSION} · axial slice {} / {slices} · W {:.0} L {:.0}",
            a.session.viewer.slice + 1,
            a.session.viewer.window.width,
            a.session.viewer.window.center,
        );
        ctx.set_fill_style_str("#fff");
        ctx.fill_text(&caption, 8.0 * scale, y + 22.0 * scale)?;
        Ok((out, format!("hemoscope-view-{stamp}.png")))
    })();
    let (canvas, name) = match built {
        Ok(v) => v,
        Err(e) => {
            set_status(
                app,
                &format!("The image could not be made: {}", dom::js_error_text(&e)),
                true,
            );
            return;
        }
    };
    let app_cb = app.clone();
    let on_blob = Closure::once_into_js(move |blob: JsValue| match blob.dyn_into::<Blob>() {
        Ok(blob) => {
            let size = blob.size();
            match download(&blob, &name) {
                Ok(()) => set_status(
                    &app_cb,
                    &format!("Saved {name} ({:.1} kB).", size / 1000.0),
                    false,
                ),
                Err(e) => set_status(&app_cb, &dom::js_error_text(&e), true),
            }
        }
        Err(_) => set_status(&app_cb, "The browser could not encode the PNG.", true),
    });
    if let Err(e) = canvas.to_blob(on_blob.unchecked_ref()) {
        set_status(
            app,
            &format!("The image could not be encoded: {}", dom::js_error_text(&e)),
            true,
        );
    }
}
