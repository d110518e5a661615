//! The reading tools' state and its changes, without the browser: the crosshair (a RAS point
//! shared by the three views, whose k is the axial slice shown), the layout, the tool, the
//! overlay switch, measurements (placed, listed, deleted), the measurement being placed (by
//! pointer or keys), and the coronal and sagittal views' zoom and pan. The web glue
//! (`ui/app/reading.rs`) turns events into these calls, announces what they return, and draws
//! from the state.

use serde::Serialize;

use crate::render::{Plane, Reformat, VoxelMap, MAX_ZOOM, MIN_ZOOM};
use crate::ui::core::layout::Layout;
use crate::ui::core::measure::{Measurement, Pending, Tool};
use crate::Volume;

/// `state().crosshair`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Crosshair {
    pub i: usize,
    pub j: usize,
    pub k: usize,
    /// The crosshair point in RAS mm.
    pub ras: [f64; 3],
}

/// What opening a volume changed that the user should be told.
#[derive(Debug, Default, PartialEq)]
pub struct VolumeNotes {
    /// Why the coronal and sagittal views are unavailable, if they are.
    pub no_reformats: Option<String>,
    /// The series is tilted or oblique: the reformats are resampled.
    pub resampled: bool,
}

/// What a left-button press (or Enter) in a view starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Press {
    /// Crosshair tool: move the crosshair to the point (and follow the drag).
    MoveCrosshair,
    /// A measurement complete at once (a probe, or the second Enter): compute and list it.
    Finish(Pending),
    /// A distance or ellipse started: its second point follows the pointer (or the arrow
    /// keys).
    Started,
    /// Nothing to do.
    Nothing,
}

/// The reading tools' state.
#[derive(Debug)]
pub struct ReadingState {
    /// Voxel ↔ RAS map and the coronal and sagittal reformats of the loaded volume.
    pub map: Option<VoxelMap>,
    pub reformats: Option<[Reformat; 2]>,
    /// The crosshair point (RAS mm).
    pub cross: [f64; 3],
    pub layout: Layout,
    pub tool: Tool,
    /// Whether the analysis overlay is shown (key O).
    pub overlay: bool,
    pub help_open: bool,
    pub measurements: Vec<Measurement>,
    pub next_id: u32,
    /// The measurement being placed.
    pub pending: Option<Pending>,
    /// The view a crosshair drag started in.
    pub dragging: Option<Plane>,
    /// Zoom (1 = fitted) and pan (CSS pixels) of the coronal and sagittal views.
    pub zoom: [f64; 2],
    pub pan: [[f64; 2]; 2],
    /// A pan drag in a reformat view: the view, the pointer's start (client CSS pixels) and
    /// the pan at the start.
    pub panning: Option<(Plane, [f64; 2], [f64; 2])>,
}

impl Default for ReadingState {
    fn default() -> Self {
        ReadingState {
            map: None,
            reformats: None,
            cross: [0.0; 3],
            layout: Layout::Three,
            tool: Tool::None,
            overlay: true,
            help_open: false,
            measurements: Vec::new(),
            next_id: 1,
            pending: None,
            dragging: None,
            zoom: [1.0; 2],
            pan: [[0.0; 2]; 2],
            panning: None,
        }
    }
}

/// Index of a reformat view in [`ReadingState::zoom`] and [`ReadingState::pan`] (`None` for
/// axial).
pub fn reformat_index(plane: Plane) -> Option<usize> {
    match plane {
        Plane::Axial => None,
        Plane::Coronal => Some(0),
        Plane::Sagittal => Some(1),
    }
}

/// "Distance" for `distance`.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl ReadingState {
    /// A new volume shown at axial slice `slice`: reformats built, crosshair at the centre of
    /// that slice, measurements and any drag forgotten.
    pub fn volume_changed(&mut self, volume: &Volume, slice: usize) -> VolumeNotes {
        self.measurements.clear();
        self.pending = None;
        self.dragging = None;
        self.panning = None;
        self.map = VoxelMap::new(volume.dims, &volume.geometry).ok();
        let mut notes = VolumeNotes::default();
        self.reformats = match (
            Reformat::new(volume, Plane::Coronal),
            Reformat::new(volume, Plane::Sagittal),
        ) {
            (Ok(c), Ok(s)) => Some([c, s]),
            (Err(e), _) | (_, Err(e)) => {
                notes.no_reformats = Some(e.to_string());
                None
            }
        };
        notes.resampled = self.reformats.as_ref().is_some_and(|f| f[0].resampled);
        let [ni, nj, nk] = volume.dims;
        self.cross = volume.geometry.to_ras([
            (ni / 2) as f64,
            (nj / 2) as f64,
            slice.min(nk.saturating_sub(1)) as f64,
        ]);
        notes
    }

    pub fn reformat(&self, plane: Plane) -> Option<&Reformat> {
        let r = self.reformats.as_ref()?;
        reformat_index(plane).map(|n| &r[n])
    }

    /// Depth (RAS along the normal) of a reformat view at the crosshair.
    pub fn depth(&self, plane: Plane) -> f64 {
        self.cross[plane.axes().2]
    }

    /// The crosshair's voxel (clamped into the volume); its k is the axial slice.
    pub fn crosshair(&self) -> Option<Crosshair> {
        let map = self.map.as_ref()?;
        let [i, j, k] = map.nearest_voxel(self.cross);
        Some(Crosshair {
            i,
            j,
            k,
            ras: self.cross,
        })
    }

    /// Keep the crosshair on the axial slice shown (the slice may change by keys or wheel).
    pub fn sync_to_slice(&mut self, slice: usize) {
        if let Some(map) = self.map {
            let mut v = map.to_voxel(self.cross);
            if (v[2] - slice as f64).abs() > 1e-6 {
                v[2] = slice as f64;
                self.cross = map.to_ras(v);
            }
        }
    }

    /// Move the crosshair to a RAS point, kept inside the volume and on a stored slice.
    /// Returns the axial slice to show.
    pub fn set_crosshair_ras(&mut self, ras: [f64; 3]) -> Option<usize> {
        let map = self.map?;
        let v = map.nearest_voxel(ras);
        let inside = map.to_voxel(ras);
        let clamped = [0, 1, 2].map(|a| inside[a].clamp(0.0, (map.dims[a] - 1) as f64));
        self.cross = map.to_ras([clamped[0], clamped[1], v[2] as f64]);
        Some(v[2])
    }

    /// Where moving a reformat view's plane along its normal by `steps` voxel steps puts the
    /// crosshair: `None` when that leaves the volume (or for the axial view, whose slice moves
    /// instead). The plane keeps the exact depth asked for even where the nearest voxel does
    /// not change.
    pub fn plane_moved(&self, plane: Plane, steps: f64) -> Option<[f64; 3]> {
        let rf = self.reformat(plane)?;
        let axis = plane.axes().2;
        let mut ras = self.cross;
        ras[axis] = (ras[axis] + steps * rf.depth_step).clamp(
            rf.depth_range[0].min(rf.depth_range[1]),
            rf.depth_range[0].max(rf.depth_range[1]),
        );
        let map = self.map?;
        let v = map.to_voxel(ras);
        (0..3)
            .all(|a| v[a] >= -0.5 && v[a] <= map.dims[a] as f64 - 0.5)
            .then_some(ras)
    }

    /// Crosshair back to the volume's centre. Returns the axial slice to show.
    pub fn recentre(&mut self, volume: &Volume) -> usize {
        let [ni, nj, nk] = volume.dims;
        self.cross = volume
            .geometry
            .to_ras([(ni / 2) as f64, (nj / 2) as f64, (nk / 2) as f64]);
        nk / 2
    }

    /// Zoom and pan of the reformat views back to fitted.
    pub fn unzoom(&mut self) {
        self.zoom = [1.0; 2];
        self.pan = [[0.0; 2]; 2];
    }

    /// Returns the announcement.
    pub fn set_layout(&mut self, layout: Layout) -> String {
        self.layout = layout;
        match layout {
            Layout::Three => "Three views".to_string(),
            other => format!("{} view maximised", capitalised(other.name())),
        }
    }

    /// The layout that maximises `plane`, or three views if it already is.
    pub fn maximise_toggled(&self, plane: Plane) -> Layout {
        let want = Layout::of(plane);
        if self.layout == want {
            Layout::Three
        } else {
            want
        }
    }

    /// Returns the announcement. A measurement being placed is dropped.
    pub fn set_tool(&mut self, tool: Tool) -> String {
        self.tool = tool;
        self.pending = None;
        match tool {
            Tool::None => "Crosshair tool".to_string(),
            t => format!("{} tool", capitalised(t.name())),
        }
    }

    /// Returns the announcement.
    pub fn toggle_overlay(&mut self) -> &'static str {
        self.overlay = !self.overlay;
        if self.overlay {
            "Overlay shown"
        } else {
            "Overlay hidden"
        }
    }

    /// Delete measurement `id` (the last one when `None`); returns the announcement, if one
    /// was deleted.
    pub fn delete_measurement(&mut self, id: Option<u32>) -> Option<String> {
        let index = match id {
            Some(id) => self.measurements.iter().position(|m| m.id == id),
            None => self.measurements.len().checked_sub(1),
        }?;
        let m = self.measurements.remove(index);
        Some(format!("Deleted measurement {}: {}", m.id, m.label))
    }

    /// List a finished measurement under the next id; returns the announcement.
    pub fn add_measurement(&mut self, mut m: Measurement) -> String {
        m.id = self.next_id;
        self.next_id += 1;
        let text = format!(
            "Measurement {}: {} {} on {}",
            m.id,
            m.kind.name(),
            m.label,
            m.place()
        );
        self.measurements.push(m);
        text
    }

    /// Start panning a reformat view at a client point (nothing for the axial view).
    pub fn start_pan(&mut self, plane: Plane, client: [f64; 2]) {
        if let Some(n) = reformat_index(plane) {
            self.panning = Some((plane, client, self.pan[n]));
        }
    }

    /// The pointer moved during a pan; false when no pan runs.
    pub fn pan_to(&mut self, client: [f64; 2]) -> bool {
        let Some((plane, start, pan)) = self.panning else {
            return false;
        };
        if let Some(n) = reformat_index(plane) {
            self.pan[n] = [pan[0] + client[0] - start[0], pan[1] + client[1] - start[1]];
        }
        true
    }

    pub fn end_pan(&mut self) {
        self.panning = None;
    }

    /// Zoom a reformat view by `factor` (clamped); false for the axial view, which keeps its
    /// own zoom.
    pub fn zoom_view(&mut self, plane: Plane, factor: f64) -> bool {
        let Some(n) = reformat_index(plane) else {
            return false;
        };
        self.zoom[n] = (self.zoom[n] * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        true
    }

    /// Left button down at image point `p` of `plane`'s view.
    pub fn pointer_down(&mut self, plane: Plane, p: [f64; 2]) -> Press {
        let pending = Pending {
            plane,
            tool: self.tool,
            a: p,
            b: p,
            keyboard: false,
        };
        match self.tool {
            Tool::None => {
                self.dragging = Some(plane);
                Press::MoveCrosshair
            }
            Tool::Probe => Press::Finish(pending),
            Tool::Distance | Tool::Ellipse => {
                self.pending = Some(pending);
                Press::Started
            }
        }
    }

    /// Left button released: a crosshair drag ends; a distance or ellipse drawn by the
    /// pointer is finished (returned to be computed and listed).
    pub fn pointer_up(&mut self) -> Option<Pending> {
        self.dragging = None;
        if self.pending.is_some_and(|p| !p.keyboard) {
            return self.pending.take();
        }
        None
    }

    /// Enter in `plane`'s view, whose image shows the crosshair at `at` (image pixels; `None`
    /// when it is not on that view). With the probe tool: probe there. With the distance or
    /// ellipse tool: set the first point there, or finish the measurement being placed from
    /// the keyboard in this view (Enter in another view starts over there).
    pub fn enter(&mut self, plane: Plane, at: Option<[f64; 2]>) -> Press {
        if self.pending.is_some_and(|p| p.keyboard && p.plane == plane) {
            return self.pending.take().map_or(Press::Nothing, Press::Finish);
        }
        let Some(at) = at else {
            return Press::Nothing;
        };
        let pending = Pending {
            plane,
            tool: self.tool,
            a: at,
            b: at,
            keyboard: true,
        };
        match self.tool {
            Tool::None => Press::Nothing,
            Tool::Probe => Press::Finish(pending),
            Tool::Distance | Tool::Ellipse => {
                self.pending = Some(pending);
                Press::Started
            }
        }
    }

    /// Whether a measurement is being placed from the keyboard.
    pub fn keyboard_pending(&self) -> bool {
        self.pending.is_some_and(|p| p.keyboard)
    }

    /// Move the second point of a measurement placed from the keyboard by `dx`, `dy` image
    /// pixels, staying on its view's image of `size` pixels; false when none is placed so.
    pub fn move_keyboard_point(&mut self, dx: f64, dy: f64, size: [f64; 2]) -> bool {
        match self.pending.as_mut() {
            Some(p) if p.keyboard => {
                p.b = [
                    (p.b[0] + dx).clamp(0.0, size[0] - 1e-6),
                    (p.b[1] + dy).clamp(0.0, size[1] - 1e-6),
                ];
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Geometry;

    /// 20 × 10 × 6 voxels of 1 × 1 × 5 mm.
    fn volume() -> Volume {
        Volume::new(
            [20, 10, 6],
            vec![0; 20 * 10 * 6],
            Geometry::lps_axial([1.0, 1.0, 5.0]),
            "test",
        )
    }

    fn opened() -> ReadingState {
        let mut r = ReadingState::default();
        let notes = r.volume_changed(&volume(), 2);
        assert_eq!(notes, VolumeNotes::default());
        r
    }

    fn measurement(label: &str) -> Measurement {
        Measurement {
            id: 0,
            kind: Tool::Distance,
            plane: Plane::Axial,
            slice: 2,
            depth_mm: 0.0,
            points: vec![[0.0, 0.0], [3.0, 4.0]],
            ras: vec![[0.0; 3], [3.0, 4.0, 0.0]],
            length_mm: Some(5.0),
            mean_hu: None,
            sd_hu: None,
            area_mm2: None,
            pixels: None,
            hu: None,
            label: label.to_string(),
        }
    }

    #[test]
    fn a_new_volume_centres_the_crosshair_on_the_slice_shown_and_forgets_measurements() {
        let mut r = opened();
        r.add_measurement(measurement("5.0 mm"));
        r.dragging = Some(Plane::Coronal);
        let c = r.crosshair().expect("crosshair");
        assert_eq!((c.i, c.j, c.k), (10, 5, 2));
        r.volume_changed(&volume(), 99);
        assert!(r.measurements.is_empty() && r.dragging.is_none());
        assert_eq!(
            r.crosshair().map(|c| c.k),
            Some(5),
            "clamped to the last slice"
        );
    }

    #[test]
    fn the_crosshair_stays_inside_the_volume_and_on_a_stored_slice() {
        let mut r = opened();
        let map = r.map.expect("map");
        let far = map.to_ras([-30.0, 4.0, 2.4]);
        assert_eq!(r.set_crosshair_ras(far), Some(2));
        let v = map.to_voxel(r.cross);
        assert!((v[0] - 0.0).abs() < 1e-9 && (v[1] - 4.0).abs() < 1e-9);
        assert!((v[2] - 2.0).abs() < 1e-9, "on slice 2, not between slices");
        // The axial slice changed by a key: the crosshair follows it.
        r.sync_to_slice(4);
        assert_eq!(r.crosshair().map(|c| c.k), Some(4));
    }

    #[test]
    fn moving_a_reformat_plane_stops_at_the_volume_edge() {
        let mut r = opened();
        let start = r.cross;
        let moved = r.plane_moved(Plane::Coronal, 1.0).expect("inside");
        let axis = Plane::Coronal.axes().2;
        let step = r.reformat(Plane::Coronal).expect("reformat").depth_step;
        assert!((moved[axis] - (start[axis] + step)).abs() < 1e-9);
        assert_eq!(
            r.plane_moved(Plane::Axial, 1.0),
            None,
            "the axial view moves its slice"
        );
        // Far beyond the edge: clamped to the depth range, still inside.
        let edge = r.plane_moved(Plane::Sagittal, 1000.0).expect("clamped");
        r.set_crosshair_ras(edge);
        let c = r.crosshair().expect("crosshair");
        assert!(c.i == 0 || c.i == 19, "at an edge: {c:?}");
    }

    #[test]
    fn reset_view_recentres_and_unzooms() {
        let mut r = opened();
        assert!(r.zoom_view(Plane::Sagittal, 100.0));
        assert_eq!(r.zoom[1], MAX_ZOOM);
        assert!(!r.zoom_view(Plane::Axial, 2.0));
        r.start_pan(Plane::Coronal, [10.0, 10.0]);
        assert!(r.pan_to([15.0, 7.0]));
        assert_eq!(r.pan[0], [5.0, -3.0]);
        r.end_pan();
        assert!(!r.pan_to([0.0, 0.0]), "no pan after the button is released");
        assert_eq!(r.recentre(&volume()), 3);
        r.unzoom();
        assert_eq!((r.zoom, r.pan), ([1.0; 2], [[0.0; 2]; 2]));
        let c = r.crosshair().expect("crosshair");
        assert_eq!((c.i, c.j, c.k), (10, 5, 3));
    }

    #[test]
    fn layout_tool_and_overlay_changes_say_what_they_did() {
        let mut r = opened();
        assert_eq!(
            r.maximise_toggled(Plane::Coronal),
            Layout::of(Plane::Coronal)
        );
        assert_eq!(
            r.set_layout(Layout::of(Plane::Coronal)),
            "Coronal view maximised"
        );
        assert_eq!(r.maximise_toggled(Plane::Coronal), Layout::Three);
        assert_eq!(r.set_layout(Layout::Three), "Three views");
        r.pending = Some(Pending {
            plane: Plane::Axial,
            tool: Tool::Distance,
            a: [0.0; 2],
            b: [0.0; 2],
            keyboard: true,
        });
        assert_eq!(r.set_tool(Tool::Ellipse), "Ellipse tool");
        assert!(
            r.pending.is_none(),
            "a new tool drops the measurement being placed"
        );
        assert_eq!(r.set_tool(Tool::None), "Crosshair tool");
        assert_eq!(r.toggle_overlay(), "Overlay hidden");
        assert_eq!(r.toggle_overlay(), "Overlay shown");
    }

    #[test]
    fn measurements_get_ids_in_order_and_are_deleted_by_id_or_last() {
        let mut r = opened();
        assert_eq!(
            r.add_measurement(measurement("5.0 mm")),
            "Measurement 1: distance 5.0 mm on axial 3"
        );
        r.add_measurement(measurement("6.0 mm"));
        r.add_measurement(measurement("7.0 mm"));
        assert_eq!(
            r.delete_measurement(Some(2)).as_deref(),
            Some("Deleted measurement 2: 6.0 mm")
        );
        assert_eq!(
            r.delete_measurement(None).as_deref(),
            Some("Deleted measurement 3: 7.0 mm")
        );
        assert_eq!(r.delete_measurement(Some(9)), None);
        assert_eq!(
            r.add_measurement(measurement("1.0 mm")),
            "Measurement 4: distance 1.0 mm on axial 3"
        );
    }

    #[test]
    fn the_keyboard_point_stays_on_the_image() {
        let mut r = opened();
        assert!(
            !r.move_keyboard_point(1.0, 0.0, [20.0, 10.0]),
            "nothing placed"
        );
        r.pending = Some(Pending {
            plane: Plane::Axial,
            tool: Tool::Distance,
            a: [5.0, 5.0],
            b: [5.0, 5.0],
            keyboard: true,
        });
        assert!(r.keyboard_pending());
        assert!(r.move_keyboard_point(100.0, -100.0, [20.0, 10.0]));
        let b = r.pending.expect("pending").b;
        assert!(b[0] < 20.0 && b[0] > 19.99 && b[1] == 0.0, "{b:?}");
    }

    #[test]
    fn a_press_does_what_the_tool_says() {
        let mut r = opened();
        assert_eq!(
            r.pointer_down(Plane::Coronal, [3.0, 4.0]),
            Press::MoveCrosshair
        );
        assert_eq!(r.dragging, Some(Plane::Coronal));
        assert_eq!(r.pointer_up(), None);
        assert_eq!(r.dragging, None, "the drag ends");
        r.set_tool(Tool::Probe);
        assert!(matches!(
            r.pointer_down(Plane::Axial, [3.0, 4.0]),
            Press::Finish(Pending {
                a: [3.0, 4.0],
                tool: Tool::Probe,
                ..
            })
        ));
        r.set_tool(Tool::Distance);
        assert_eq!(r.pointer_down(Plane::Axial, [3.0, 4.0]), Press::Started);
        r.pending.as_mut().expect("pending").b = [8.0, 4.0];
        let done = r.pointer_up().expect("finished on release");
        assert_eq!(
            (done.a, done.b, done.keyboard),
            ([3.0, 4.0], [8.0, 4.0], false)
        );
        assert!(r.pending.is_none());
    }

    #[test]
    fn enter_starts_then_finishes_a_measurement_in_the_same_view() {
        let mut r = opened();
        assert_eq!(
            r.enter(Plane::Axial, Some([1.0, 1.0])),
            Press::Nothing,
            "crosshair tool"
        );
        r.set_tool(Tool::Ellipse);
        assert_eq!(
            r.enter(Plane::Axial, None),
            Press::Nothing,
            "crosshair not on the view"
        );
        assert_eq!(r.enter(Plane::Axial, Some([1.0, 1.0])), Press::Started);
        assert!(r.keyboard_pending());
        // The pointer's release does not finish a measurement placed from the keyboard.
        assert_eq!(r.pointer_up(), None);
        // Enter in another view starts over there.
        assert_eq!(r.enter(Plane::Sagittal, Some([2.0, 2.0])), Press::Started);
        assert_eq!(r.pending.map(|p| p.plane), Some(Plane::Sagittal));
        r.move_keyboard_point(3.0, 0.0, [50.0, 50.0]);
        match r.enter(Plane::Sagittal, Some([9.0, 9.0])) {
            Press::Finish(p) => assert_eq!((p.a, p.b), ([2.0, 2.0], [5.0, 2.0])),
            other => panic!("expected the finished ellipse: {other:?}"),
        }
        assert!(!r.keyboard_pending());
    }
}
