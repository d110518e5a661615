//! The demo dataset committed under web/demo-dataset/ is exactly what the generator produces
//! now (manifest text, image voxels and geometry, label maps), so it cannot go stale.
//! Regenerate it with `hemoscope phantom --dataset web/demo-dataset`.

use std::path::Path;

use hemoscope::dataset::demo;
use hemoscope::dataset::Manifest;
use hemoscope::io::open_bytes;

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/web/demo-dataset"))
}

#[test]
fn committed_demo_dataset_equals_the_generator() {
    let cases = demo::volumes();
    let manifest = demo::manifest(&cases);
    let text = std::fs::read_to_string(dir().join(demo::MANIFEST_FILE)).unwrap();
    assert_eq!(
        text,
        demo::manifest_json(&manifest).unwrap(),
        "web/demo-dataset/manifest.json is stale: run hemoscope phantom --dataset web/demo-dataset"
    );
    assert_eq!(Manifest::from_json(&text).unwrap(), manifest);
    for (c, volume, labels) in &cases {
        let (image, label) = demo::file_names(c.id);
        let v = open_bytes(&image, &std::fs::read(dir().join(&image)).unwrap()).unwrap();
        assert_eq!(v.dims, volume.dims, "{image}");
        assert_eq!(v.geometry, volume.geometry, "{image}");
        assert!(v.voxels == volume.voxels, "{image} is stale");
        let l = open_bytes(&label, &std::fs::read(dir().join(&label)).unwrap()).unwrap();
        assert_eq!(l.geometry, volume.geometry, "{label}");
        let codes: Vec<u8> = l.voxels.iter().map(|&x| x as u8).collect();
        assert!(&codes == labels, "{label} is stale");
    }
    // Nothing else in the folder.
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut want: Vec<String> = demo::files().unwrap().into_iter().map(|(n, _)| n).collect();
    want.sort();
    assert_eq!(names, want);
}
