//! The decode worker's side of the exports: builds the NIfTI mask or the DICOM Segmentation
//! from the page's request (volume metadata and mask) and posts the bytes back, transferred.
//!
//! Worker → page: `{type: "exported", export_id, name, mime, bytes: Uint8Array}` or
//! `{type: "export-error", export_id, message}`.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use crate::analysis::report::{time_from_unix_ms, SOFTWARE_VERSION};
use crate::io::dicom_seg::{write_seg, SegRequest};
use crate::io::write_labels_nii_gz;
use crate::ui::workers::decode_protocol::ExportRequest;
use crate::ui::workers::decode_protocol as protocol;
use crate::Geometry;

/// Answer one `{type: "export"}` message.
pub fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue) {
    let id = protocol::get_f64(data, "export_id");
    let result = build(data);
    let posted = match result {
        Ok((name, mime, bytes)) => {
            let array = Uint8Array::from(bytes.as_slice());
            protocol::object(&[
                ("type", "exported".into()),
                ("export_id", id.into()),
                ("name", name.into()),
                ("mime", mime.into()),
                ("bytes", array.clone().into()),
            ])
            .and_then(|msg| scope.post_message_with_transfer(&msg, &Array::of1(&array.buffer())))
        }
        Err(message) => protocol::object(&[
            ("type", "export-error".into()),
            ("export_id", id.into()),
            ("message", message.into()),
        ])
        .and_then(|msg| scope.post_message(&msg)),
    };
    if let Err(e) = posted {
        web_sys::console::warn_1(&e);
    }
}

fn build(data: &JsValue) -> Result<(String, &'static str, Vec<u8>), String> {
    let request: ExportRequest = serde_json::from_str(&protocol::get_str(data, "meta"))
        .map_err(|e| format!("the export request could not be read: {e}"))?;
    let mask = protocol::get(data, "mask")
        .dyn_into::<Uint8Array>()
        .map_err(|_| "the export request has no mask".to_string())?
        .to_vec();
    let v = &request.volume;
    let geometry = Geometry::from_affine(v.affine);
    match request.kind.as_str() {
        "mask" => write_labels_nii_gz(&mask, v.dims, &geometry)
            .map(|b| (request.name.clone(), "application/gzip", b))
            .map_err(|e| e.to_string()),
        "seg" => {
            let source = v
                .dicom
                .as_ref()
                .ok_or("a DICOM Segmentation needs DICOM input")?;
            let time = time_from_unix_ms(request.time_ms).map_err(|e| e.to_string())?;
            write_seg(&SegRequest {
                dims: v.dims,
                geometry: &geometry,
                source,
                mask: &mask,
                algorithm: &request.algorithm,
                software_version: SOFTWARE_VERSION,
                time,
            })
            .map(|s| {
                for note in &s.notes {
                    web_sys::console::warn_1(&JsValue::from_str(note));
                }
                (request.name.clone(), "application/dicom", s.bytes)
            })
            .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown export {other:?}")),
    }
}
