//! The settings remembered across visits (layout, tool, overlay, window preset) as data: what
//! is stored, how it is read back, and when it changed. The web glue keeps them in local
//! storage; a value it cannot read falls back to the default.

use serde::{Deserialize, Serialize};

use crate::ui::core::layout::Layout;
use crate::ui::core::measure::Tool;

/// What is remembered across visits (the stored JSON; names, not indices, for layout and tool).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    layout: Option<String>,
    tool: Option<String>,
    overlay: Option<bool>,
    preset: Option<usize>,
}

impl Settings {
    /// The settings to remember now: the window preset is the one in use, or the one
    /// remembered before when the window is not a preset.
    pub fn now(
        layout: Layout,
        tool: Tool,
        overlay: bool,
        preset: Option<usize>,
        before: &Settings,
    ) -> Settings {
        Settings {
            layout: Some(layout.name().to_string()),
            tool: Some(tool.name().to_string()),
            overlay: Some(overlay),
            preset: preset.or(before.preset),
        }
    }

    /// Read stored text; anything unreadable gives the defaults.
    pub fn parse(text: Option<&str>) -> Settings {
        text.and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The text to store.
    pub fn to_text(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }

    pub fn layout(&self) -> Option<Layout> {
        self.layout.as_deref().and_then(Layout::from_name)
    }

    pub fn tool(&self) -> Option<Tool> {
        self.tool.as_deref().and_then(Tool::from_name)
    }

    pub fn overlay(&self) -> Option<bool> {
        self.overlay
    }

    /// The window preset chosen last (applied to each newly opened volume).
    pub fn preset(&self) -> Option<usize> {
        self.preset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unreadable_text() {
        let s = Settings::now(
            Layout::Axial,
            Tool::Probe,
            false,
            Some(2),
            &Settings::default(),
        );
        let back = Settings::parse(s.to_text().as_deref());
        assert_eq!(back, s);
        assert_eq!(back.layout(), Some(Layout::Axial));
        assert_eq!(back.tool(), Some(Tool::Probe));
        assert_eq!(back.overlay(), Some(false));
        assert_eq!(back.preset(), Some(2));
        for bad in [
            None,
            Some(""),
            Some("{"),
            Some("[1,2]"),
            Some("{\"layout\": 3}"),
        ] {
            assert_eq!(Settings::parse(bad), Settings::default(), "{bad:?}");
        }
        // An unknown name (a newer or edited value) reads as "not set".
        let odd = Settings::parse(Some(r#"{"layout":"quad","tool":"laser","overlay":true}"#));
        assert_eq!(
            (odd.layout(), odd.tool(), odd.overlay()),
            (None, None, Some(true))
        );
    }

    #[test]
    fn a_custom_window_keeps_the_preset_remembered_before() {
        let before = Settings::now(
            Layout::Three,
            Tool::None,
            true,
            Some(1),
            &Settings::default(),
        );
        let now = Settings::now(Layout::Three, Tool::Distance, true, None, &before);
        assert_eq!(now.preset(), Some(1));
        assert_ne!(now, before, "the tool changed");
        let same = Settings::now(Layout::Three, Tool::None, true, None, &before);
        assert_eq!(same, before, "nothing to store again");
    }
}
