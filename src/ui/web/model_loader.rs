//! "Use your own model": the user picks an `.onnx` file and its model card (`.json`) and the
//! role it replaces; the card is checked here at once (schema, shapes for the role), then an
//! analysis worker runs the full validation (ops, tract, sha256, test vector) before every
//! worker uses it for this session. "Back to the shipped models" undoes it. Also wires the
//! cascade setting.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Event, File, MouseEvent};

use crate::model::{ModelCard, ModelRole};
use crate::ui::web::msg::{send, Msg};
use crate::ui::view::dom;
use crate::ui::view::dom::listen;
use crate::ui::core::analysis_info::ModelCheck;
use crate::ui::view::panels::LoaderElements;
use crate::ui::app::state::AppRef;

/// Find the model loader and wire it and the cascade checkbox.
pub fn install(app: &AppRef) -> Result<LoaderElements, JsValue> {
    let el = LoaderElements::find()?;
    {
        let app = app.clone();
        let el2 = el.clone();
        listen::<Event>(&el.file.clone().into(), "change", true, move |_| {
            let role = if el2.role_segmenter.checked() {
                ModelRole::Segmenter
            } else {
                ModelRole::Classifier
            };
            let files: Vec<File> = match el2.file.files() {
                Some(list) => (0..list.length()).filter_map(|i| list.item(i)).collect(),
                None => Vec::new(),
            };
            el2.file.set_value("");
            load(app.clone(), role, files);
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&el.reset.clone().into(), "click", true, move |_| {
            send(&app, Msg::UseShippedModels)
        })?;
    }
    {
        let app = app.clone();
        let input = el.cascade.clone();
        listen::<Event>(&el.cascade.clone().into(), "change", true, move |_| {
            send(&app, Msg::Cascade(input.checked()))
        })?;
    }
    Ok(el)
}

async fn bytes(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        format!(
            "{} could not be read: {}",
            file.name(),
            dom::js_error_text(&e)
        )
    })?;
    let buffer: ArrayBuffer = buffer
        .dyn_into()
        .map_err(|_| format!("{} could not be read", file.name()))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Read the chosen files, check the card here, then hand the model to a worker.
fn load(app: AppRef, role: ModelRole, files: Vec<File>) {
    let onnx: Vec<&File> = files
        .iter()
        .filter(|f| f.name().to_lowercase().ends_with(".onnx"))
        .collect();
    let cards: Vec<&File> = files
        .iter()
        .filter(|f| f.name().to_lowercase().ends_with(".json"))
        .collect();
    let (Some(onnx), Some(card), 1, 1) = (onnx.first(), cards.first(), onnx.len(), cards.len())
    else {
        send(
            &app,
            Msg::ModelCheck(ModelCheck::refused(
                "Choose two files together: one .onnx model and its model card (.json).",
            )),
        );
        return;
    };
    let (onnx, card) = ((*onnx).clone(), (*card).clone());
    send(
        &app,
        Msg::ModelCheck(ModelCheck::checking(&format!(
            "Checking {} as the {}…",
            onnx.name(),
            role.as_str()
        ))),
    );
    spawn_local(async move {
        let read = async {
            let card_bytes = bytes(&card).await?;
            let text = String::from_utf8(card_bytes)
                .map_err(|_| format!("{} is not UTF-8 text", card.name()))?;
            Ok::<_, String>((text, bytes(&onnx).await?))
        };
        let (text, onnx_bytes) = match read.await {
            Ok(v) => v,
            Err(e) => {
                send(&app, Msg::ModelCheck(ModelCheck::refused(&e)));
                return;
            }
        };
        // The card's schema and shapes are checked here at once; the worker checks the rest.
        if let Err(e) = ModelCard::from_json(&text).and_then(|c| c.check_role(role)) {
            send(
                &app,
                Msg::ModelCheck(ModelCheck::refused(&format!(
                    "The {} was refused: {e}",
                    role.as_str()
                ))),
            );
            return;
        }
        send(
            &app,
            Msg::CheckUserModel {
                role,
                card_text: text,
                onnx: onnx_bytes,
            },
        );
    });
}
