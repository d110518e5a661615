//! Window/level rendering and the radiological axial view for LPS, RAS, swapped and other-plane
//! affines.

use hemoscope::render::{
    render_axial_rgba, render_axial_rgba_lut, AxialView, EdgeLetters, Lut, SlicePlane, WindowLevel,
    PRESETS,
};
use hemoscope::{Geometry, Volume};

fn affine(cols: [[f64; 3]; 3]) -> Geometry {
    let mut a = [[0.0; 4]; 4];
    for (c, col) in cols.iter().enumerate() {
        for r in 0..3 {
            a[r][c] = col[r];
        }
    }
    a[3][3] = 1.0;
    Geometry::from_affine(a)
}

/// 3 × 2 × 2 volume whose voxel (i, j, k) holds 100·k + 10·j + i.
fn tiny(geometry: Geometry) -> Volume {
    let dims = [3, 2, 2];
    let vox = (0..12)
        .map(|n| ((n / 6) * 100 + ((n / 3) % 2) * 10 + n % 3) as i16)
        .collect();
    Volume::new(dims, vox, geometry, "test")
}

fn letters(top: char, bottom: char, left: char, right: char) -> EdgeLetters {
    EdgeLetters {
        top,
        bottom,
        left,
        right,
    }
}

#[test]
fn lps_volume_shows_as_stored() {
    let v = tiny(Geometry::lps_axial([0.5, 0.7, 5.0]));
    let view = AxialView::new(&v);
    assert_eq!((view.width, view.height, view.slices), (3, 2, 2));
    assert_eq!(
        (view.x_axis, view.x_flip, view.y_axis, view.y_flip),
        (0, false, 1, false)
    );
    assert_eq!(view.letters, letters('A', 'P', 'R', 'L'));
    assert_eq!(view.plane, SlicePlane::Axial);
    assert_eq!(view.pixel_mm, [0.5, 0.7]);
    assert!((view.aspect() - 1.4).abs() < 1e-12);
    assert_eq!(view.voxel_at(2, 1), Some([2, 1]));
    assert_eq!(view.voxel_at(3, 0), None);
    assert_eq!(view.voxel_at_point(1.9, 0.2), Some([1, 0]));
    assert_eq!(view.voxel_at_point(-0.1, 0.2), None);
    assert_eq!(view.screen_of(2, 1), Some([2, 1]));
}

#[test]
fn ras_volume_is_flipped_both_ways() {
    // i → R, j → A: patient left must still be on the screen's right, anterior at the top.
    let v = tiny(affine([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 5.0]]));
    let view = AxialView::new(&v);
    assert_eq!(
        (view.x_axis, view.x_flip, view.y_axis, view.y_flip),
        (0, true, 1, true)
    );
    assert_eq!(view.letters, letters('A', 'P', 'R', 'L'));
    // Screen top-left is the voxel most right and most anterior: i = 2, j = 1.
    assert_eq!(view.voxel_at(0, 0), Some([2, 1]));
    assert_eq!(view.voxel_at(2, 1), Some([0, 0]));
    for x in 0..3 {
        for y in 0..2 {
            let [i, j] = view.voxel_at(x, y).unwrap();
            assert_eq!(view.screen_of(i, j), Some([x, y]));
        }
    }
    // Rendered pixels follow the same mapping.
    let wl = WindowLevel::new(55.0, 110.0); // grey = round(hu * 255 / 110)
    let mut out = Vec::new();
    render_axial_rgba(&v, &view, 1, wl, &mut out);
    assert_eq!(out.len(), 3 * 2 * 4);
    let px = |x: usize, y: usize| &out[4 * (y * 3 + x)..4 * (y * 3 + x) + 4];
    let g = |hu: f64| wl.grey(hu);
    assert_eq!(px(0, 0), &[g(112.0), g(112.0), g(112.0), 255]); // voxel (2, 1, 1)
    assert_eq!(px(2, 1), &[g(100.0), g(100.0), g(100.0), 255]); // voxel (0, 0, 1)
}

#[test]
fn swapped_in_plane_axes() {
    // i → P (rows run front to back), j → L: screen x follows j, screen y follows i.
    let v = tiny(affine([
        [0.0, -0.8, 0.0],
        [-0.5, 0.0, 0.0],
        [0.0, 0.0, 5.0],
    ]));
    let view = AxialView::new(&v);
    assert_eq!(
        (view.x_axis, view.x_flip, view.y_axis, view.y_flip),
        (1, false, 0, false)
    );
    assert_eq!((view.width, view.height), (2, 3));
    assert_eq!(view.pixel_mm, [0.5, 0.8]);
    assert_eq!(view.letters, letters('A', 'P', 'R', 'L'));
    assert_eq!(view.voxel_at(1, 2), Some([2, 1]));
    let mut out = Vec::new();
    render_axial_rgba_lut(
        &v,
        &view,
        0,
        &Lut::new(WindowLevel::new(6.0, 12.0)),
        &mut out,
    );
    // Screen (1, 2) shows voxel (2, 1, 0) = 12 HU → 255; screen (0, 0) voxel (0, 0, 0) = 0 → 0.
    assert_eq!(out[4 * (2 * 2 + 1)], 255);
    assert_eq!(out[0], 0);
}

#[test]
fn coronal_and_sagittal_acquisitions_get_their_letters() {
    // Coronal: i → L, j → I, k → A.
    let cor = AxialView::from_geometry(
        [4, 4, 2],
        &affine([[-1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]]),
    );
    assert_eq!(cor.plane, SlicePlane::Coronal);
    assert_eq!(cor.letters, letters('S', 'I', 'R', 'L'));
    assert!(!cor.x_flip && !cor.y_flip);
    // Sagittal: i → A, j → S, k → L: anterior on the left (flip x), superior at the top (flip y).
    let sag = AxialView::from_geometry(
        [4, 4, 2],
        &affine([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]]),
    );
    assert_eq!(sag.plane, SlicePlane::Sagittal);
    assert_eq!(sag.letters, letters('S', 'I', 'A', 'P'));
    assert!(sag.x_flip && sag.y_flip);
}

#[test]
fn tilted_geometry_keeps_the_axial_layout() {
    // RSNA-style 24° tilt: oblique j column, k column along z.
    let g = affine([[-0.488, 0.0, 0.0], [0.0, -0.446, -0.199], [0.0, 0.0, 5.45]]);
    let view = AxialView::from_geometry([512, 512, 34], &g);
    assert_eq!(
        (view.x_axis, view.x_flip, view.y_axis, view.y_flip),
        (0, false, 1, false)
    );
    assert_eq!(view.letters, letters('A', 'P', 'R', 'L'));
    assert!((view.pixel_mm[1] - (0.446f64.powi(2) + 0.199f64.powi(2)).sqrt()).abs() < 1e-12);
}

#[test]
fn known_hu_give_known_grey_for_every_preset() {
    for p in PRESETS {
        let w = p.window;
        let lo = w.center - w.width / 2.0;
        let hi = w.center + w.width / 2.0;
        assert_eq!(w.grey(lo - 1.0), 0, "{}", p.name);
        assert_eq!(w.grey(hi + 1.0), 255, "{}", p.name);
        assert_eq!(w.grey(lo), 0, "{}", p.name);
        assert_eq!(w.grey(hi), 255, "{}", p.name);
        let lut = Lut::new(w);
        for hu in (-1100..3200).step_by(7) {
            assert_eq!(lut.get(hu as i16), w.grey(hu as f64), "{} hu {hu}", p.name);
        }
    }
    let names: Vec<_> = PRESETS
        .iter()
        .map(|p| (p.key, p.name, p.window.width, p.window.center))
        .collect();
    assert_eq!(
        names,
        vec![
            (1, "Brain", 80.0, 40.0),
            (2, "Subdural", 215.0, 75.0),
            (3, "Stroke", 40.0, 40.0),
            (4, "Bone", 2800.0, 600.0),
            (5, "Soft tissue", 400.0, 40.0)
        ]
    );
}

#[test]
fn out_of_range_slice_renders_black() {
    let v = tiny(Geometry::lps_axial([1.0, 1.0, 1.0]));
    let view = AxialView::new(&v);
    let mut out = vec![9u8; 3];
    render_axial_rgba(&v, &view, 7, WindowLevel::BRAIN, &mut out);
    assert_eq!(out, [0, 0, 0, 255].repeat(6));
}

#[test]
fn render_512_speed() {
    let dims = [512, 512, 4];
    let vox = (0..dims.iter().product::<usize>())
        .map(|n| ((n * 7919) % 4096) as i16 - 1024)
        .collect();
    let v = Volume::new(dims, vox, Geometry::lps_axial([0.5, 0.5, 5.0]), "speed");
    let view = AxialView::new(&v);
    let lut = Lut::new(WindowLevel::BRAIN);
    let mut out = Vec::new();
    render_axial_rgba_lut(&v, &view, 0, &lut, &mut out);
    let n = 20;
    let t = std::time::Instant::now();
    for k in 0..n {
        render_axial_rgba_lut(&v, &view, k % 4, &lut, &mut out);
    }
    let per = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let t = std::time::Instant::now();
    let lut2 = Lut::new(WindowLevel::new(75.0, 215.0));
    let lut_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("render 512x512: {per:.3} ms per slice; LUT build {lut_ms:.3} ms");
    assert_eq!(lut2.get(75), 128);
    // Loose bound so unoptimised test builds on a loaded machine still pass.
    assert!(per < 100.0, "{per} ms");
}

#[test]
fn cursor_readout_through_the_view() {
    let v = tiny(affine([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 5.0]]));
    let view = AxialView::new(&v);
    let [i, j] = view.voxel_at_point(0.5, 0.5).unwrap();
    assert_eq!(v.value_at(i, j, 1), Some(112));
    assert_eq!(v.value_at(3, 0, 0), None);
    assert_eq!(v.value_at(0, 0, 2), None);
}

#[test]
fn inconsistent_view_renders_black_instead_of_panicking() {
    let v = tiny(Geometry::lps_axial([1.0, 1.0, 1.0]));
    let mut view = AxialView::new(&v);
    view.width = 50;
    let mut out = Vec::new();
    render_axial_rgba(&v, &view, 0, WindowLevel::BRAIN, &mut out);
    assert_eq!(out.len(), 50 * 2 * 4);
    assert!(out.chunks(4).all(|p| p == [0, 0, 0, 255]));
    let other = tiny(Geometry::lps_axial([1.0, 1.0, 1.0]));
    assert!(AxialView::new(&other).fits(&v));
}
