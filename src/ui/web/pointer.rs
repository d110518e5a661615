//! Mouse and button events of the reading tools: clicks and drags in the three views (crosshair
//! or the chosen measurement tool); in the coronal and sagittal views the wheel (plane; with
//! Ctrl: zoom), Shift+drag or middle-drag (pan) and the hover read-out; and the tool, layout,
//! overlay, help and delete buttons.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget, MouseEvent, WheelEvent};

use crate::render::Plane;
use crate::ui::view::dom;
use crate::ui::app::state::AppRef;

fn listen<E: JsCast + 'static>(
    target: &EventTarget,
    kind: &str,
    mut handler: impl FnMut(E) + 'static,
) -> Result<(), JsValue> {
    let cb = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
        if let Ok(e) = e.dyn_into::<E>() {
            handler(e);
        }
    });
    target.add_event_listener_with_callback(kind, cb.as_ref().unchecked_ref())?;
    cb.forget();
    Ok(())
}

pub fn install(app: AppRef) -> Result<(), JsValue> {
    let (sections, tools, layouts, overlay, help, close_help, list) = {
        let a = app.borrow();
        let Some(r) = a.reading.as_ref() else {
            return Ok(());
        };
        (
            Plane::ALL.map(|p| r.section(p).clone()),
            r.tool_buttons.clone(),
            r.layout_buttons.clone(),
            r.overlay_button.clone(),
            r.help_button.clone(),
            r.close_help.clone(),
            r.measure_list.clone(),
        )
    };
    for (plane, section) in Plane::ALL.into_iter().zip(sections) {
        let target: EventTarget = section.clone().into();
        {
            let app = app.clone();
            let section = section.clone();
            listen::<MouseEvent>(&target, "mousedown", move |e| {
                let pan = e.button() == 1 || (e.button() == 0 && e.shift_key());
                if plane != Plane::Axial && pan {
                    // The axial view's pan is handled with its other drags in `events`.
                    let _ = section.focus();
                    e.prevent_default();
                    if let Ok(mut a) = app.try_borrow_mut() {
                        a.start_pan(plane, [e.client_x() as f64, e.client_y() as f64]);
                    }
                    return;
                }
                if e.button() != 0 || e.shift_key() {
                    return;
                }
                let _ = section.focus();
                e.prevent_default();
                let Ok(mut a) = app.try_borrow_mut() else {
                    return;
                };
                let Some(canvas) = a.view_canvas(plane) else {
                    return;
                };
                let b = canvas.get_bounding_client_rect();
                a.pointer_down(
                    plane,
                    [
                        e.client_x() as f64 - b.left(),
                        e.client_y() as f64 - b.top(),
                    ],
                );
            })?;
        }
        if plane != Plane::Axial {
            listen::<MouseEvent>(&target, "contextmenu", |e| e.prevent_default())?;
            {
                let app = app.clone();
                listen::<MouseEvent>(&target, "mousemove", move |e| {
                    let Ok(mut a) = app.try_borrow_mut() else {
                        return;
                    };
                    let Some(canvas) = a.view_canvas(plane) else {
                        return;
                    };
                    let b = canvas.get_bounding_client_rect();
                    a.hover_plane(
                        plane,
                        [
                            e.client_x() as f64 - b.left(),
                            e.client_y() as f64 - b.top(),
                        ],
                    );
                })?;
            }
            {
                let app = app.clone();
                listen::<MouseEvent>(&target, "mouseleave", move |_| {
                    if let Ok(mut a) = app.try_borrow_mut() {
                        a.session.cursor = None;
                        a.refresh_readouts();
                    }
                })?;
            }
            let app = app.clone();
            let wheel = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
                let Ok(e) = e.dyn_into::<WheelEvent>() else {
                    return;
                };
                e.prevent_default();
                let Ok(mut a) = app.try_borrow_mut() else {
                    return;
                };
                if e.ctrl_key() || e.meta_key() {
                    // As in the axial view: pixels of wheel travel → a smooth zoom factor.
                    let delta = match e.delta_mode() {
                        WheelEvent::DOM_DELTA_LINE => e.delta_y() * 40.0,
                        WheelEvent::DOM_DELTA_PAGE => e.delta_y() * 400.0,
                        _ => e.delta_y(),
                    };
                    a.zoom_view(plane, (-delta / 500.0).exp());
                    return;
                }
                a.move_plane(plane, if e.delta_y() < 0.0 { 1.0 } else { -1.0 });
            });
            let opts = web_sys::AddEventListenerOptions::new();
            opts.set_passive(false);
            target.add_event_listener_with_callback_and_add_event_listener_options(
                "wheel",
                wheel.as_ref().unchecked_ref(),
                &opts,
            )?;
            wheel.forget();
        }
    }
    let window: EventTarget = dom::window()?.into();
    {
        let app = app.clone();
        listen::<MouseEvent>(&window, "mousemove", move |e| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.pointer_move([e.client_x() as f64, e.client_y() as f64]);
            }
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&window, "mouseup", move |e| {
            if let Ok(mut a) = app.try_borrow_mut() {
                a.end_pan();
                if e.button() == 0 {
                    a.pointer_up();
                }
            }
        })?;
    }
    for (tool, b) in tools {
        let app = app.clone();
        listen::<MouseEvent>(&b.into(), "click", move |_| app.borrow_mut().set_tool(tool))?;
    }
    for (layout, b) in layouts {
        let app = app.clone();
        listen::<MouseEvent>(&b.into(), "click", move |_| {
            let mut a = app.borrow_mut();
            let current = Some(a.session.reading.layout);
            a.set_layout(if current == Some(layout) {
                crate::ui::core::layout::Layout::Three
            } else {
                layout
            });
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&overlay.into(), "click", move |_| {
            app.borrow_mut().toggle_overlay()
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&help.into(), "click", move |_| {
            let mut a = app.borrow_mut();
            let open = a.session.reading.help_open;
            a.set_help(!open);
        })?;
    }
    {
        let app = app.clone();
        listen::<MouseEvent>(&close_help.into(), "click", move |_| {
            app.borrow_mut().set_help(false);
        })?;
    }
    {
        // Delete buttons of the measurement list (rebuilt on change): one delegated listener.
        let app = app.clone();
        listen::<MouseEvent>(&list.into(), "click", move |e| {
            let id = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|el| el.get_attribute("data-delete"))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(id) = id {
                app.borrow_mut().delete_measurement(Some(id));
                // Keep keyboard focus in the panel after its button disappeared.
                let next = dom::document()
                    .ok()
                    .and_then(|d| d.query_selector("#measure-list button").ok().flatten())
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(next) = next {
                    let _ = next.focus();
                }
            }
        })?;
    }
    Ok(())
}
