//! CT window/level: HU → grey mapping, the standard presets, and a look-up table.

use serde::Serialize;

/// A CT display window: HU values in `center ± width/2` map linearly onto grey 0..=255.
///
/// `grey(hu) = clamp(round((hu − (center − width/2)) × 255 / width), 0, 255)`; widths below 1
/// are treated as 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowLevel {
    pub center: f64,
    pub width: f64,
}

/// A named window preset; `key` is the number key that selects it in the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Preset {
    pub key: u8,
    pub name: &'static str,
    pub window: WindowLevel,
}

/// The viewer's presets, in key order (1 brain W80/L40, 2 subdural W215/L75, 3 stroke W40/L40,
/// 4 bone W2800/L600, 5 soft tissue W400/L40).
pub const PRESETS: [Preset; 5] = [
    Preset {
        key: 1,
        name: "Brain",
        window: WindowLevel {
            center: 40.0,
            width: 80.0,
        },
    },
    Preset {
        key: 2,
        name: "Subdural",
        window: WindowLevel {
            center: 75.0,
            width: 215.0,
        },
    },
    Preset {
        key: 3,
        name: "Stroke",
        window: WindowLevel {
            center: 40.0,
            width: 40.0,
        },
    },
    Preset {
        key: 4,
        name: "Bone",
        window: WindowLevel {
            center: 600.0,
            width: 2800.0,
        },
    },
    Preset {
        key: 5,
        name: "Soft tissue",
        window: WindowLevel {
            center: 40.0,
            width: 400.0,
        },
    },
];

impl WindowLevel {
    /// The brain window (W80/L40), the default for head CT.
    pub const BRAIN: WindowLevel = WindowLevel {
        center: 40.0,
        width: 80.0,
    };

    pub fn new(center: f64, width: f64) -> Self {
        WindowLevel { center, width }
    }

    /// The preset selected by number key `key` (1..=5).
    pub fn preset(key: u8) -> Option<WindowLevel> {
        PRESETS.iter().find(|p| p.key == key).map(|p| p.window)
    }

    /// Grey level (0..=255) of one HU value. Non-finite centers give black.
    #[inline]
    pub fn grey(&self, hu: f64) -> u8 {
        let width = if self.width.is_finite() {
            self.width.max(1.0)
        } else {
            1.0
        };
        let lower = self.center - width / 2.0;
        let g = ((hu - lower) * 255.0 / width).round();
        if g.is_nan() {
            0
        } else {
            g.clamp(0.0, 255.0) as u8
        }
    }
}

impl Default for WindowLevel {
    fn default() -> Self {
        WindowLevel::BRAIN
    }
}

/// A 65536-entry table giving the grey level of every i16 value for one window.
/// Building it takes tens of microseconds; rendering is then one load per pixel.
#[derive(Clone)]
pub struct Lut {
    window: WindowLevel,
    table: Vec<u8>,
}

impl Lut {
    /// Table for `window`.
    pub fn new(window: WindowLevel) -> Self {
        let mut table = vec![0u8; 1 << 16];
        // Only values inside the window need the formula: below it grey is 0, above it 255.
        let width = if window.width.is_finite() {
            window.width.max(1.0)
        } else {
            1.0
        };
        let (lower, upper) = (window.center - width / 2.0, window.center + width / 2.0);
        let (lo, hi) = if lower.is_finite() && upper.is_finite() {
            let clamp = |v: f64| v.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i32;
            (clamp(lower.floor() - 1.0), clamp(upper.ceil() + 1.0))
        } else {
            (i32::from(i16::MIN), i32::from(i16::MAX))
        };
        for v in i32::from(i16::MIN)..=i32::from(i16::MAX) {
            let g = if v < lo {
                0
            } else if v > hi {
                255
            } else {
                window.grey(f64::from(v))
            };
            table[v as i16 as u16 as usize] = g;
        }
        Lut { window, table }
    }

    /// The window this table was built for.
    pub fn window(&self) -> WindowLevel {
        self.window
    }

    /// Grey level of `hu`.
    #[inline(always)]
    pub fn get(&self, hu: i16) -> u8 {
        self.table[hu as u16 as usize]
    }
}

impl std::fmt::Debug for Lut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lut")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brain_window_greys() {
        let w = WindowLevel::BRAIN;
        assert_eq!(w.grey(-1000.0), 0);
        assert_eq!(w.grey(0.0), 0);
        assert_eq!(w.grey(40.0), 128); // 127.5 rounds up
        assert_eq!(w.grey(80.0), 255);
        assert_eq!(w.grey(3000.0), 255);
        assert_eq!(w.grey(20.0), 64); // 63.75
        let lut = Lut::new(w);
        for hu in [-32768i16, -1024, -1, 0, 1, 39, 40, 41, 79, 80, 81, 32767] {
            assert_eq!(lut.get(hu), w.grey(f64::from(hu)), "hu {hu}");
        }
    }

    #[test]
    fn lut_equals_formula_everywhere() {
        for w in [
            WindowLevel::BRAIN,
            WindowLevel::new(600.0, 2800.0),
            WindowLevel::new(-30000.0, 10.0),
            WindowLevel::new(32760.0, 40.0),
            WindowLevel::new(10.5, 3.3),
            WindowLevel::new(f64::NAN, 80.0),
            WindowLevel::new(0.0, f64::INFINITY),
        ] {
            let lut = Lut::new(w);
            for v in i16::MIN..=i16::MAX {
                assert_eq!(lut.get(v), w.grey(f64::from(v)), "{w:?} at {v}");
            }
        }
    }

    #[test]
    fn presets_and_degenerate_windows() {
        assert_eq!(
            WindowLevel::preset(4),
            Some(WindowLevel::new(600.0, 2800.0))
        );
        assert_eq!(WindowLevel::preset(2).map(|w| w.width), Some(215.0));
        assert_eq!(WindowLevel::preset(0), None);
        let bone = WindowLevel::preset(4).unwrap();
        assert_eq!(bone.grey(-800.0), 0);
        assert_eq!(bone.grey(2000.0), 255);
        // Zero width acts as a threshold at the center; NaN center gives black.
        let thr = WindowLevel::new(100.0, 0.0);
        assert_eq!(thr.grey(99.0), 0);
        assert_eq!(thr.grey(101.0), 255);
        assert_eq!(WindowLevel::new(f64::NAN, 80.0).grey(40.0), 0);
    }
}
