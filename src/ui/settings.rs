//! The settings remembered in local storage across visits: layout, tool, overlay, window
//! preset. A convenience only: storage that is full or disabled changes nothing else.

use serde::{Deserialize, Serialize};

use crate::ui::core::layout::Layout;
use crate::ui::core::measure::Tool;
use crate::ui::dom;

const STORAGE_KEY: &str = "hemoscope.settings.v1";

/// What is remembered across visits.
#[derive(Serialize, Deserialize, Default)]
pub struct Settings {
    layout: Option<String>,
    tool: Option<String>,
    overlay: Option<bool>,
    preset: Option<usize>,
}

impl Settings {
    pub fn layout(&self) -> Option<Layout> {
        self.layout.as_deref().and_then(Layout::from_name)
    }

    pub fn tool(&self) -> Option<Tool> {
        self.tool.as_deref().and_then(Tool::from_name)
    }

    pub fn overlay(&self) -> Option<bool> {
        self.overlay
    }
}

fn storage() -> Option<web_sys::Storage> {
    dom::window().ok()?.local_storage().ok()?
}

/// The settings saved last time (defaults when none or unreadable).
pub fn load() -> Settings {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The window preset chosen last time (applied to each newly opened volume).
pub fn remembered_preset() -> Option<usize> {
    load().preset
}

/// Remember the reading layout, tool, overlay choice and window preset (the one remembered
/// before, when the window is not a preset now).
pub fn save(layout: Layout, tool: Tool, overlay: bool, preset: Option<usize>) {
    let s = Settings {
        layout: Some(layout.name().to_string()),
        tool: Some(tool.name().to_string()),
        overlay: Some(overlay),
        preset: preset.or_else(remembered_preset),
    };
    if let (Some(st), Ok(text)) = (storage(), serde_json::to_string(&s)) {
        // Storage can be full or disabled; the settings are a convenience only.
        let _ = st.set_item(STORAGE_KEY, &text);
    }
}
