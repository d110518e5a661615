//! What a key does in the reading area, decided without the browser.
//!
//! A/C/S maximise a plane (again, or Esc: three views); D/E/P choose the distance, ellipse and
//! probe tools (Esc: crosshair); R resets zoom, pan and crosshair; O toggles the overlay;
//! ←/→ and [/] move the crosshair; Enter in a view probes at the crosshair (probe tool) or
//! starts a distance or ellipse there, whose second point the arrow keys then move (Shift: 10
//! pixels) until Enter sets it (Esc cancels); Delete removes the newest measurement; ? opens
//! the help panel. Slice, window and zoom keys are the viewer's own (`ui/web/events.rs`).

use crate::render::Plane;
use crate::ui::core::layout::Layout;
use crate::ui::core::measure::Tool;

/// A key press as the decision needs it.
#[derive(Debug, Clone, Copy)]
pub struct KeyPress<'a> {
    /// `KeyboardEvent.key`.
    pub key: &'a str,
    pub shift: bool,
    /// Ctrl, Alt or Meta is held (the browser's and the system's shortcuts).
    pub modifier: bool,
    /// The focus is on one of the views.
    pub in_view: bool,
    /// A measurement placed from the keyboard waits for its second point.
    pub placing: bool,
}

/// The focused control, when the focus is on one.
#[derive(Debug, Clone, Copy)]
pub enum Focus<'a> {
    /// An `<input>` of this type.
    Input(&'a str),
    /// Another element, by its lower-case tag name.
    Element(&'a str),
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyAction {
    /// Move the second point of the measurement being placed, in image pixels.
    MovePoint(f64, f64),
    /// Show this plane alone (again: three views).
    Maximise(Plane),
    ChooseTool(Tool),
    ResetView,
    ToggleOverlay,
    ToggleHelp,
    /// See [`escape`].
    Escape,
    DeleteNewestMeasurement,
    /// Move the crosshair in the axial view, in screen pixels.
    NudgeCrosshair {
        dx: f64,
        dy: f64,
    },
    /// Enter in a view: probe there, or start / finish a measurement.
    EnterInView,
}

/// Whether the key is the focused control's own (typing in a text field, the slider's arrow
/// keys, Enter or Space on a button), so the shortcuts leave it alone.
pub fn belongs_to_control(key: &str, focus: Option<Focus>) -> bool {
    match focus {
        Some(Focus::Input(kind)) => {
            let typing = !matches!(
                kind,
                "range" | "file" | "checkbox" | "radio" | "button" | "color"
            );
            let navigation = matches!(
                key,
                "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"
            );
            typing || (kind == "range" && navigation) || key == " " || key == "Enter"
        }
        Some(Focus::Element(tag)) => {
            matches!(tag, "button" | "summary" | "select" | "textarea")
                && (key == "Enter" || key == " ")
        }
        None => false,
    }
}

/// The action of a key press (None: not a shortcut; the browser keeps it).
pub fn action(k: KeyPress) -> Option<KeyAction> {
    if k.modifier {
        return None;
    }
    if k.placing && k.key.starts_with("Arrow") {
        let step = if k.shift { 10.0 } else { 1.0 };
        let (dx, dy) = match k.key {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            _ => (0.0, step),
        };
        return Some(KeyAction::MovePoint(dx, dy));
    }
    Some(match k.key {
        "a" | "A" => KeyAction::Maximise(Plane::Axial),
        "c" | "C" => KeyAction::Maximise(Plane::Coronal),
        "s" | "S" => KeyAction::Maximise(Plane::Sagittal),
        "d" | "D" => KeyAction::ChooseTool(Tool::Distance),
        "e" | "E" => KeyAction::ChooseTool(Tool::Ellipse),
        "p" | "P" => KeyAction::ChooseTool(Tool::Probe),
        "r" | "R" => KeyAction::ResetView,
        "o" | "O" => KeyAction::ToggleOverlay,
        "?" => KeyAction::ToggleHelp,
        "Escape" => KeyAction::Escape,
        "Delete" | "Backspace" => KeyAction::DeleteNewestMeasurement,
        "ArrowLeft" => KeyAction::NudgeCrosshair { dx: -1.0, dy: 0.0 },
        "ArrowRight" => KeyAction::NudgeCrosshair { dx: 1.0, dy: 0.0 },
        "[" => KeyAction::NudgeCrosshair { dx: 0.0, dy: -1.0 },
        "]" => KeyAction::NudgeCrosshair { dx: 0.0, dy: 1.0 },
        "Enter" if k.in_view => KeyAction::EnterInView,
        _ => return None,
    })
}

/// What Esc undoes, most recent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeStep {
    CloseHelp,
    CancelMeasurement,
    /// Back to the crosshair tool.
    DropTool,
    ThreeViews,
    Nothing,
}

/// Esc: close the help panel, else cancel a measurement being drawn, else drop the tool, else
/// three views.
pub fn escape(help_open: bool, drawing: bool, tool: Tool, layout: Layout) -> EscapeStep {
    if help_open {
        EscapeStep::CloseHelp
    } else if drawing {
        EscapeStep::CancelMeasurement
    } else if tool != Tool::None {
        EscapeStep::DropTool
    } else if layout != Layout::Three {
        EscapeStep::ThreeViews
    } else {
        EscapeStep::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str) -> KeyPress<'_> {
        KeyPress {
            key,
            shift: false,
            modifier: false,
            in_view: false,
            placing: false,
        }
    }

    #[test]
    fn letters_choose_planes_tools_and_toggles_in_either_case() {
        for (keys, want) in [
            (["a", "A"], KeyAction::Maximise(Plane::Axial)),
            (["c", "C"], KeyAction::Maximise(Plane::Coronal)),
            (["s", "S"], KeyAction::Maximise(Plane::Sagittal)),
            (["d", "D"], KeyAction::ChooseTool(Tool::Distance)),
            (["e", "E"], KeyAction::ChooseTool(Tool::Ellipse)),
            (["p", "P"], KeyAction::ChooseTool(Tool::Probe)),
            (["r", "R"], KeyAction::ResetView),
            (["o", "O"], KeyAction::ToggleOverlay),
        ] {
            for key in keys {
                assert_eq!(action(press(key)), Some(want), "{key}");
            }
        }
        assert_eq!(action(press("?")), Some(KeyAction::ToggleHelp));
        assert_eq!(
            action(press("Delete")),
            Some(KeyAction::DeleteNewestMeasurement)
        );
        assert_eq!(
            action(press("Backspace")),
            Some(KeyAction::DeleteNewestMeasurement)
        );
        assert_eq!(action(press("x")), None);
        assert_eq!(
            action(press("ArrowUp")),
            None,
            "slice keys are the viewer's"
        );
    }

    #[test]
    fn shortcuts_leave_modified_keys_to_the_browser() {
        let k = KeyPress {
            modifier: true,
            ..press("r")
        };
        assert_eq!(action(k), None);
    }

    #[test]
    fn arrows_move_the_crosshair_or_the_point_being_placed() {
        assert_eq!(
            action(press("ArrowLeft")),
            Some(KeyAction::NudgeCrosshair { dx: -1.0, dy: 0.0 })
        );
        assert_eq!(
            action(press("]")),
            Some(KeyAction::NudgeCrosshair { dx: 0.0, dy: 1.0 })
        );
        let placing = KeyPress {
            placing: true,
            ..press("ArrowUp")
        };
        assert_eq!(action(placing), Some(KeyAction::MovePoint(0.0, -1.0)));
        let fast = KeyPress {
            shift: true,
            ..placing
        };
        assert_eq!(
            action(KeyPress {
                key: "ArrowLeft",
                ..fast
            }),
            Some(KeyAction::MovePoint(-10.0, 0.0))
        );
        assert_eq!(
            action(KeyPress {
                key: "ArrowDown",
                ..fast
            }),
            Some(KeyAction::MovePoint(0.0, 10.0))
        );
    }

    #[test]
    fn enter_acts_only_in_a_view() {
        assert_eq!(action(press("Enter")), None);
        let in_view = KeyPress {
            in_view: true,
            ..press("Enter")
        };
        assert_eq!(action(in_view), Some(KeyAction::EnterInView));
    }

    #[test]
    fn controls_keep_their_own_keys() {
        assert!(belongs_to_control("r", Some(Focus::Input("text"))));
        assert!(belongs_to_control("r", Some(Focus::Input("search"))));
        assert!(!belongs_to_control("r", Some(Focus::Input("range"))));
        assert!(belongs_to_control("ArrowLeft", Some(Focus::Input("range"))));
        assert!(!belongs_to_control(
            "ArrowLeft",
            Some(Focus::Input("checkbox"))
        ));
        assert!(belongs_to_control(" ", Some(Focus::Input("checkbox"))));
        assert!(belongs_to_control("Enter", Some(Focus::Element("button"))));
        assert!(!belongs_to_control("a", Some(Focus::Element("button"))));
        assert!(!belongs_to_control("Enter", Some(Focus::Element("canvas"))));
        assert!(!belongs_to_control("Enter", None));
    }

    #[test]
    fn escape_undoes_the_most_recent_thing_first() {
        use EscapeStep::*;
        assert_eq!(escape(true, true, Tool::Distance, Layout::Axial), CloseHelp);
        assert_eq!(
            escape(false, true, Tool::Distance, Layout::Axial),
            CancelMeasurement
        );
        assert_eq!(
            escape(false, false, Tool::Distance, Layout::Axial),
            DropTool
        );
        assert_eq!(escape(false, false, Tool::None, Layout::Axial), ThreeViews);
        assert_eq!(escape(false, false, Tool::None, Layout::Three), Nothing);
    }
}
