// A minimal DICOM writer for the end-to-end tests: single-frame CT slices in explicit VR
// little endian, int16 stored values with a -1024 intercept, written from known values so the
// page's decode can be checked exactly.

const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2";
const LONG_VRS = new Set(["OB", "OW", "UN", "SQ", "UT", "OF", "OD", "OL", "UC", "UR"]);

function element(group, elem, vr, value) {
  let body;
  if (Buffer.isBuffer(value)) {
    body = value;
  } else if (vr === "US") {
    body = Buffer.alloc(2);
    body.writeUInt16LE(value, 0);
  } else if (vr === "UL") {
    body = Buffer.alloc(4);
    body.writeUInt32LE(value, 0);
  } else {
    body = Buffer.from(String(value), "latin1");
  }
  if (body.length % 2 === 1) {
    body = Buffer.concat([body, Buffer.from([vr === "UI" || vr === "OB" ? 0 : 0x20])]);
  }
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, "latin1");
  if (long) head.writeUInt32LE(body.length, 8);
  else head.writeUInt16LE(body.length, 6);
  return Buffer.concat([head, body]);
}

const ds = (values) => values.map((v) => String(+v.toFixed(6))).join("\\");

/**
 * One CT slice. `hu(i, j)` gives the HU of column i, row j. Position and orientation are
 * DICOM patient coordinates (LPS).
 */
export function dicomSlice({
  seriesUid,
  sopUid,
  description = "HEAD",
  seriesNumber = 1,
  instance = 1,
  rows,
  cols,
  position,
  orientation = [1, 0, 0, 0, 1, 0],
  spacing = [0.5, 0.5],
  thickness = 5,
  hu,
}) {
  const pixels = Buffer.alloc(2 * rows * cols);
  for (let j = 0; j < rows; j++)
    for (let i = 0; i < cols; i++) pixels.writeInt16LE(hu(i, j) + 1024, 2 * (i + cols * j));
  const meta = Buffer.concat([
    element(0x0002, 0x0001, "OB", Buffer.from([0, 1])),
    element(0x0002, 0x0002, "UI", CT_IMAGE),
    element(0x0002, 0x0003, "UI", sopUid),
    element(0x0002, 0x0010, "UI", EXPLICIT_LE),
    element(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.8.498.0"),
  ]);
  const body = Buffer.concat([
    element(0x0008, 0x0016, "UI", CT_IMAGE),
    element(0x0008, 0x0018, "UI", sopUid),
    element(0x0008, 0x0060, "CS", "CT"),
    element(0x0008, 0x103e, "LO", description),
    element(0x0018, 0x0050, "DS", ds([thickness])),
    element(0x0020, 0x000d, "UI", "1.2.826.0.1.3680043.8.498.100"),
    element(0x0020, 0x000e, "UI", seriesUid),
    element(0x0020, 0x0011, "IS", String(seriesNumber)),
    element(0x0020, 0x0013, "IS", String(instance)),
    element(0x0020, 0x0032, "DS", ds(position)),
    element(0x0020, 0x0037, "DS", ds(orientation)),
    element(0x0028, 0x0002, "US", 1),
    element(0x0028, 0x0004, "CS", "MONOCHROME2"),
    element(0x0028, 0x0010, "US", rows),
    element(0x0028, 0x0011, "US", cols),
    element(0x0028, 0x0030, "DS", ds(spacing)),
    element(0x0028, 0x0100, "US", 16),
    element(0x0028, 0x0101, "US", 16),
    element(0x0028, 0x0102, "US", 15),
    element(0x0028, 0x0103, "US", 1),
    element(0x0028, 0x1052, "DS", "-1024"),
    element(0x0028, 0x1053, "DS", "1"),
    element(0x7fe0, 0x0010, "OW", pixels),
  ]);
  const preamble = Buffer.alloc(132);
  preamble.write("DICM", 128, "latin1");
  return Buffer.concat([preamble, element(0x0002, 0x0000, "UL", meta.length), meta, body]);
}

/**
 * A whole axial series as Playwright setInputFiles payloads (files named in shuffled order so
 * nothing depends on names). `hu(i, j, k)` gives the HU of voxel (i, j) of slice k.
 */
export function dicomSeries({ uid, description, number = 1, slices, rows, cols, step = 5, hu }) {
  const files = [];
  for (let k = 0; k < slices; k++) {
    files.push({
      name: `${description.replace(/\W/g, "_")}_${String((k * 7) % slices).padStart(3, "0")}_${k}.dcm`,
      mimeType: "application/dicom",
      buffer: dicomSlice({
        seriesUid: uid,
        sopUid: `${uid}.${k + 1}`,
        description,
        seriesNumber: number,
        instance: k + 1,
        rows,
        cols,
        position: [-(cols * 0.25), -(rows * 0.25), k * step],
        thickness: step,
        hu: (i, j) => hu(i, j, k),
      }),
    });
  }
  return files;
}
