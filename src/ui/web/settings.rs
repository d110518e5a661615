//! The settings remembered in local storage across visits (`ui::core::settings` says what they
//! are). A convenience only: storage that is full or disabled changes nothing else.

use crate::ui::core::settings::Settings;
use crate::ui::view::dom;

const STORAGE_KEY: &str = "hemoscope.settings.v1";

fn storage() -> Option<web_sys::Storage> {
    dom::window().ok()?.local_storage().ok()?
}

/// The settings saved last time (defaults when none or unreadable).
pub fn load() -> Settings {
    let text = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    Settings::parse(text.as_deref())
}

/// Store the settings.
pub fn save(settings: &Settings) {
    if let (Some(st), Some(text)) = (storage(), settings.to_text()) {
        // Storage can be full or disabled; the settings are a convenience only.
        let _ = st.set_item(STORAGE_KEY, &text);
    }
}
