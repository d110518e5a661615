//! Reformat maths: synthetic volumes with known structures (a sphere, a tilted plane), stored
//! with orthogonal and sheared (gantry-tilt) affines, land in each display plane where the
//! geometry says, with the right orientation and aspect ratio.

use hemoscope::render::{
    distance_mm, image_point_at_css, ImageRect, Plane, Reformat, VoxelMap, OUTSIDE,
};
use hemoscope::{Geometry, Volume};

const SPHERE_HU: i16 = 1000;
const CENTRE: [f64; 3] = [4.0, -3.0, 20.0];
const RADIUS: f64 = 8.0;
/// A small bright block at the patient's right, superior, anterior corner region.
const MARKER_HU: i16 = 2000;

fn affine(cols: [[f64; 3]; 3], origin: [f64; 3]) -> Geometry {
    let mut a = [[0.0; 4]; 4];
    for r in 0..3 {
        for c in 0..3 {
            a[r][c] = cols[c][r];
        }
        a[r][3] = origin[r];
    }
    a[3][3] = 1.0;
    Geometry::from_affine(a)
}

/// 0.5 × 0.5 mm pixels (i → L, j → P), 2 mm slices (k → S), optionally tilted by `tilt_deg`
/// (the k column leans towards anterior, as for a gantry-tilted head CT).
fn geometry(tilt_deg: f64) -> Geometry {
    let t = tilt_deg.to_radians();
    affine(
        [
            [-0.5, 0.0, 0.0],
            [0.0, -0.5, 0.0],
            [0.0, 2.0 * t.tan(), 2.0],
        ],
        [16.0, 10.0, 0.0],
    )
}

/// Voxel values from their RAS centres: a sphere, the half-space above a tilted plane
/// z > 0.5·y + 30 (value 100), a marker for x > 10, z > 32, y < 6 (value 2000); 0 elsewhere.
fn phantom(g: Geometry) -> Volume {
    let dims = [64, 64, 24];
    let mut voxels = Vec::with_capacity(dims.iter().product());
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let p = g.to_ras([i as f64, j as f64, k as f64]);
                let v = if distance_mm(p, CENTRE) <= RADIUS {
                    SPHERE_HU
                } else if p[0] > 10.0 && p[2] > 32.0 && p[1] < 6.0 {
                    MARKER_HU
                } else if p[2] > 0.5 * p[1] + 30.0 {
                    100
                } else {
                    0
                };
                voxels.push(v);
            }
        }
    }
    Volume::new(dims, voxels, g, "synthetic")
}

/// Length (mm) of the run of pixels ≥ `threshold` through screen point `at`, along x or y.
fn run_mm(r: &Reformat, img: &[i16], at: [f64; 2], horizontal: bool, threshold: i16) -> f64 {
    let (x0, y0) = (at[0].floor() as isize, at[1].floor() as isize);
    let get = |x: isize, y: isize| {
        if x < 0 || y < 0 || x >= r.width as isize || y >= r.height as isize {
            OUTSIDE
        } else {
            img[y as usize * r.width + x as usize]
        }
    };
    assert!(
        get(x0, y0) >= threshold,
        "the centre is not inside the object"
    );
    let (dx, dy) = if horizontal { (1, 0) } else { (0, 1) };
    let mut n = 1;
    for dir in [-1isize, 1] {
        let (mut x, mut y) = (x0 + dir * dx, y0 + dir * dy);
        while get(x, y) >= threshold && get(x, y) != OUTSIDE {
            n += 1;
            x += dir * dx;
            y += dir * dy;
        }
    }
    n as f64
        * if horizontal {
            r.pixel_mm[0]
        } else {
            r.pixel_mm[1]
        }
}

fn check_sphere(vol: &Volume, plane: Plane) {
    let r = Reformat::new(vol, plane).unwrap();
    let mut img = Vec::new();
    r.sample_hu(vol, r.depth_of(CENTRE), &mut img);
    let c = r.screen_of(CENTRE);
    let at = |dx: f64, dy: f64| img[(c[1] + dy) as usize * r.width + (c[0] + dx) as usize];
    assert_eq!(at(0.0, 0.0), SPHERE_HU, "{plane:?}: sphere centre");
    // Round, with the true diameter both ways (2 mm slices blur the edge along z a little).
    let h = run_mm(&r, &img, c, true, 500);
    let v = run_mm(&r, &img, c, false, 500);
    assert!((h - 2.0 * RADIUS).abs() <= 1.5, "{plane:?}: width {h} mm");
    assert!((v - 2.0 * RADIUS).abs() <= 2.0, "{plane:?}: height {v} mm");
    // Just outside the sphere along both screen axes: background.
    let off = (RADIUS + 2.0) / r.pixel_mm[0];
    assert_ne!(at(off, 0.0), SPHERE_HU);
    assert_ne!(at(0.0, off), SPHERE_HU);
}

fn check_orientation(vol: &Volume) {
    // The marker (patient right, superior, anterior) sits where each plane's letters say.
    let marker = [13.0, 0.0, 36.0];
    for plane in Plane::ALL {
        let r = Reformat::new(vol, plane).unwrap();
        let mut img = Vec::new();
        r.sample_hu(vol, r.depth_of(marker), &mut img);
        let [x, y] = r.screen_of(marker);
        assert_eq!(
            img[y as usize * r.width + x as usize],
            MARKER_HU,
            "{plane:?}"
        );
        let centre = r.screen_of(CENTRE);
        let l = r.letters;
        match plane {
            Plane::Axial => {
                assert_eq!((l.left, l.right, l.top, l.bottom), ('R', 'L', 'A', 'P'));
                assert!(
                    x < centre[0] && y < centre[1],
                    "axial: right → left, anterior → up"
                );
            }
            Plane::Coronal => {
                assert_eq!((l.left, l.right, l.top, l.bottom), ('R', 'L', 'S', 'I'));
                assert!(
                    x < centre[0] && y < centre[1],
                    "coronal: right → left, superior → up"
                );
            }
            Plane::Sagittal => {
                assert_eq!((l.left, l.right, l.top, l.bottom), ('A', 'P', 'S', 'I'));
                assert!(
                    x < centre[0] && y < centre[1],
                    "sagittal: anterior → left, up"
                );
            }
        }
    }
}

/// The tilted plane z = 0.5·y + 30 appears in the sagittal image as a line with that slope.
fn check_tilted_plane(vol: &Volume) {
    let r = Reformat::new(vol, Plane::Sagittal).unwrap();
    let depth = -12.0; // x = −12 mm: away from the sphere and the marker
    let mut img = Vec::new();
    r.sample_hu(vol, depth, &mut img);
    let mut checked = 0;
    for y_ras in [-10.0, -4.0, 2.0, 8.0] {
        let expected_z = 0.5 * y_ras + 30.0;
        let [x, _] = r.screen_of([depth, y_ras, 0.0]);
        let x = x as usize;
        // Topmost row (from the bottom up) still below 50 HU: the edge.
        let mut edge = None;
        for y in (0..r.height).rev() {
            let v = img[y * r.width + x];
            if v != OUTSIDE && v >= 50 {
                edge = Some(y);
                break;
            }
        }
        let Some(edge) = edge else { continue };
        let z = r.ras_at(x as f64 + 0.5, edge as f64 + 1.0, depth)[2];
        assert!(
            (z - expected_z).abs() <= 1.5,
            "plane edge at y = {y_ras}: z {z} mm, expected {expected_z}"
        );
        checked += 1;
    }
    assert!(checked >= 3, "the tilted plane was not found");
}

#[test]
fn orthogonal_volume_in_three_planes() {
    let vol = phantom(geometry(0.0));
    for plane in Plane::ALL {
        check_sphere(&vol, plane);
        assert!(!Reformat::new(&vol, plane).unwrap().resampled);
    }
    check_orientation(&vol);
    check_tilted_plane(&vol);
}

#[test]
fn gantry_tilted_volume_is_resampled_unskewed() {
    let vol = phantom(geometry(20.0));
    for plane in Plane::ALL {
        let r = Reformat::new(&vol, plane).unwrap();
        assert!(r.resampled, "a sheared affine is reported as resampled");
        assert_eq!(
            r.pixel_mm,
            [0.5, 0.5],
            "square pixels at the in-plane spacing"
        );
        check_sphere(&vol, plane);
    }
    check_orientation(&vol);
    check_tilted_plane(&vol);
}

#[test]
fn rotated_and_permuted_axes() {
    // Sagittal acquisition: i → P, j → I, k → L, with 1 × 1 × 3 mm voxels.
    let g = affine(
        [[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [-3.0, 0.0, 0.0]],
        [30.0, 30.0, 60.0],
    );
    let dims = [64, 64, 20];
    let mut voxels = Vec::new();
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                let p = g.to_ras([i as f64, j as f64, k as f64]);
                voxels.push(if distance_mm(p, CENTRE) <= RADIUS {
                    SPHERE_HU
                } else {
                    0
                });
            }
        }
    }
    let vol = Volume::new(dims, voxels, g, "synthetic");
    for plane in Plane::ALL {
        let r = Reformat::new(&vol, plane).unwrap();
        assert!(!r.resampled);
        let mut img = Vec::new();
        r.sample_hu(&vol, r.depth_of(CENTRE), &mut img);
        let c = r.screen_of(CENTRE);
        let h = run_mm(&r, &img, c, true, 500);
        let v = run_mm(&r, &img, c, false, 500);
        assert!(
            (h - 16.0).abs() <= 3.5 && (v - 16.0).abs() <= 3.5,
            "{plane:?}: {h} × {v}"
        );
    }
}

#[test]
fn voxel_ras_round_trip_with_shear() {
    let g = geometry(24.0);
    let m = VoxelMap::new([64, 64, 24], &g).unwrap();
    for ijk in [[0.0, 0.0, 0.0], [10.5, 3.25, 7.0], [63.0, 63.0, 23.0]] {
        let back = m.to_voxel(m.to_ras(ijk));
        for a in 0..3 {
            assert!((back[a] - ijk[a]).abs() < 1e-9);
        }
    }
    assert_eq!(m.nearest_voxel(m.to_ras([5.2, 6.7, 3.4])), [5, 7, 3]);
    assert_eq!(m.nearest_voxel([1e6, -1e6, 1e6]), [0, 63, 23]);
    let singular = affine(
        [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        [0.0; 3],
    );
    assert!(VoxelMap::new([2, 2, 2], &singular).is_err());
}

#[test]
fn reformat_of_a_512_by_40_volume_is_fast() {
    // 512 × 512 × 40, 0.45 mm pixels, 5 mm slices, 20° tilt: the size of a head CT.
    let t = 20f64.to_radians();
    let g = affine(
        [
            [-0.45, 0.0, 0.0],
            [0.0, -0.45, 0.0],
            [0.0, 5.0 * t.tan(), 5.0],
        ],
        [115.0, 115.0, 0.0],
    );
    let dims = [512, 512, 40];
    let voxels: Vec<i16> = (0..dims.iter().product::<usize>())
        .map(|n| (n % 2000) as i16 - 1000)
        .collect();
    let vol = Volume::new(dims, voxels, g, "synthetic");
    let mut img = Vec::new();
    for plane in [Plane::Coronal, Plane::Sagittal] {
        let r = Reformat::new(&vol, plane).unwrap();
        let n = 20;
        let start = std::time::Instant::now();
        for step in 0..n {
            let depth =
                r.depth_range[0] + (r.depth_range[1] - r.depth_range[0]) * step as f64 / n as f64;
            r.sample_hu(&vol, depth, &mut img);
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
        println!(
            "{plane:?} reformat {}×{} px: {ms:.2} ms per frame",
            r.width, r.height
        );
        // Generous bound for unoptimised test builds on a busy machine.
        assert!(ms < 400.0, "{plane:?}: {ms} ms per frame");
    }
}

#[test]
fn label_masks_follow_the_same_geometry() {
    let vol = phantom(geometry(20.0));
    let mask: Vec<u8> = vol
        .voxels
        .iter()
        .map(|&v| u8::from(v == SPHERE_HU))
        .collect();
    for plane in [Plane::Coronal, Plane::Sagittal] {
        let r = Reformat::new(&vol, plane).unwrap();
        let (mut hu, mut labels) = (Vec::new(), Vec::new());
        r.sample_hu(&vol, r.depth_of(CENTRE), &mut hu);
        r.sample_labels(&mask, r.depth_of(CENTRE), &mut labels);
        let c = r.screen_of(CENTRE);
        assert_eq!(labels[c[1] as usize * r.width + c[0] as usize], 1);
        // Labelled pixels are (nearly) the bright ones.
        let both = (0..hu.len())
            .filter(|&p| labels[p] == 1 && hu[p] >= 500)
            .count();
        let any = (0..hu.len())
            .filter(|&p| labels[p] == 1 || hu[p] >= 500 && hu[p] < 1500)
            .count();
        assert!(both as f64 > 0.8 * any as f64, "{plane:?}: {both} of {any}");
        // A mask of the wrong size gives no labels.
        r.sample_labels(&mask[1..], 0.0, &mut labels);
        assert!(labels.iter().all(|&l| l == 0));
    }
}

/// The pointer maths of the coronal and sagittal views: a CSS point on a zoomed and panned
/// canvas → reformat pixel → the voxel under it, for orthogonal and gantry-tilted volumes.
#[test]
fn screen_to_reformat_pixel_to_voxel_with_zoom_and_pan() {
    for tilt in [0.0, 24.0] {
        let vol = phantom(geometry(tilt));
        for plane in [Plane::Coronal, Plane::Sagittal] {
            let r = Reformat::new(&vol, plane).unwrap();
            // A 2-to-1 device pixel ratio, zoom 2.5 and a pan of (30, -12) CSS pixels.
            let (dpr, zoom, pan) = (2.0, 2.5, [30.0, -12.0]);
            let rect = ImageRect::fit(
                [900.0, 700.0],
                [r.width, r.height],
                r.pixel_mm,
                zoom,
                [pan[0] * dpr, pan[1] * dpr],
            );
            for ijk in [[32, 30, 12], [20, 41, 9], [40, 25, 15]] {
                let ras = vol.geometry.to_ras(ijk.map(|v| v as f64));
                let depth = r.depth_of(ras);
                // Where the voxel centre is drawn, in CSS pixels (as a pointer event gives it).
                let s = r.screen_of(ras);
                let c = rect.canvas_point(s);
                let css = [c[0] / dpr, c[1] / dpr];
                let p = image_point_at_css(&rect, [dpr, dpr], css);
                assert!(
                    rect.contains(p),
                    "{plane:?} tilt {tilt}: {ijk:?} is on the image"
                );
                assert!((p[0] - s[0]).abs() < 1e-9 && (p[1] - s[1]).abs() < 1e-9);
                assert_eq!(
                    r.voxel_at(p[0], p[1], depth),
                    Some(ijk),
                    "{plane:?} tilt {tilt}"
                );
                // The RAS point under the pointer is the voxel centre, in the plane.
                let back = r.ras_at(p[0], p[1], depth);
                assert!(distance_mm(back, ras) < 1e-6, "{back:?} vs {ras:?}");
                // A quarter of a voxel away is still the same voxel; the value is the volume's.
                let nudged = r.ras_at(p[0] + 0.25 * 0.5 / r.pixel_mm[0], p[1], depth);
                let [i, j, k] = r.map.nearest_voxel(nudged);
                assert_eq!([i, j, k], ijk);
                assert_eq!(vol.get(i, j, k), vol.get(ijk[0], ijk[1], ijk[2]));
            }
            // Off the volume: no voxel.
            assert_eq!(r.voxel_at(-5.0, -5.0, r.depth_range[0] - 50.0), None);
        }
    }
}
