"""Benchmark cases generated from the project's synthetic head CT (`hemoscope phantom`).

    python3 bench/make_cases.py PHANTOM.nii.gz OUT_DIR

Writes into OUT_DIR:
  head512.nii.gz        512 x 512 x 36 int16 HU with scanner-like noise (about 8 MB gzipped)
  dicom-raw/            the same volume as a 36-file CT series, explicit VR little endian
  dicom-jpegll/         the same series, JPEG lossless (process 14, first-order prediction,
                        1.2.840.10008.1.2.4.70), encoded with libjpeg-turbo 3 via imagecodecs
  cases.json            what was written

The phantom (256 x 256 x 32, 0.9 mm) is upsampled in-plane to 512 x 512 (0.45 mm) by
repetition, resampled to 36 slices (nearest), and given deterministic Gaussian noise inside
the head (sigma 8 HU) and in the air (sigma 4 HU), so that compressed sizes resemble a
real CT.
"""
import gzip
import json
import os
import sys

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEGLosslessSV1, generate_uid

NZ = 36
NOISE_HU = 8.0
# Air is noisy on a real scanner too; this also brings the .nii.gz to about 8 MB.
AIR_NOISE_HU = 4.0


def volume(phantom_path):
    img = nib.load(phantom_path)
    a = np.asarray(img.dataobj).astype(np.int16)  # (i, j, k)
    nx, ny, nz = a.shape
    a = np.repeat(np.repeat(a, 2, axis=0), 2, axis=1)
    ks = np.minimum((np.arange(NZ) * nz) // NZ, nz - 1)
    a = a[:, :, ks]
    rng = np.random.default_rng(20261127)
    head = a > -900
    noise = rng.normal(0.0, NOISE_HU, size=a.shape)
    v = a.astype(np.float64) + noise * np.where(head, 1.0, AIR_NOISE_HU / NOISE_HU)
    v = np.clip(np.rint(v), -1024, 3071).astype(np.int16)
    aff = img.affine.copy()
    aff[:3, 0] /= 2.0
    aff[:3, 1] /= 2.0
    aff[:3, 2] *= nz / NZ
    return v, aff


def write_nifti(v, aff, path):
    img = nib.Nifti1Image(v, aff)
    img.set_sform(aff, code=1)
    img.set_qform(aff, code=1)
    raw = img.to_bytes()
    with open(path, "wb") as f:
        f.write(gzip.compress(raw, compresslevel=6, mtime=0))


def write_series(v, aff, out, jpeg):
    import imagecodecs

    os.makedirs(out, exist_ok=True)
    nx, ny, nz = v.shape
    study = generate_uid(entropy_srcs=["hemoscope-bench-study"])
    series = generate_uid(entropy_srcs=["hemoscope-bench-series", str(jpeg)])
    # RAS -> LPS
    lps = np.diag([-1.0, -1.0, 1.0])
    col_dir = lps @ aff[:3, 0]  # i: along a row (column index)
    row_dir = lps @ aff[:3, 1]  # j: down the rows
    dx = float(np.linalg.norm(aff[:3, 0]))
    dy = float(np.linalg.norm(aff[:3, 1]))
    dz = float(np.linalg.norm(aff[:3, 2]))
    iop = list(col_dir / dx) + list(row_dir / dy)
    for k in range(nz):
        sop = generate_uid(entropy_srcs=["hemoscope-bench-sop", str(jpeg), str(k)])
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = JPEGLosslessSV1 if jpeg else ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = sop
        ds.StudyInstanceUID = study
        ds.SeriesInstanceUID = series
        ds.Modality = "CT"
        ds.PatientName = "BENCH^PHANTOM"
        ds.PatientID = "BENCH"
        ds.SeriesNumber = 1
        ds.InstanceNumber = k + 1
        ipp = lps @ (aff[:3, :3] @ np.array([0.0, 0.0, k]) + aff[:3, 3])
        ds.ImagePositionPatient = [round(float(x), 4) for x in ipp]
        ds.ImageOrientationPatient = [round(float(x), 6) for x in iop]
        ds.PixelSpacing = [dy, dx]
        ds.SliceThickness = dz
        ds.Rows = ny
        ds.Columns = nx
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 0
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.WindowCenter = 40
        ds.WindowWidth = 80
        stored = np.ascontiguousarray((v[:, :, k].T.astype(np.int32) + 1024).clip(0, 65535).astype(np.uint16))
        if jpeg:
            frame = imagecodecs.jpeg8_encode(stored, lossless=True, predictor=1, bitspersample=16)
            ds.PixelData = encapsulate([frame])
            ds["PixelData"].VR = "OB"
        else:
            ds.PixelData = np.ascontiguousarray(stored).tobytes()
            ds["PixelData"].VR = "OW"
        ds.save_as(os.path.join(out, f"IM{k + 1:04d}.dcm"), enforce_file_format=True)


def main():
    phantom, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    v, aff = volume(phantom)
    write_nifti(v, aff, os.path.join(out, "head512.nii.gz"))
    write_series(v, aff, os.path.join(out, "dicom-raw"), jpeg=False)
    write_series(v, aff, os.path.join(out, "dicom-jpegll"), jpeg=True)

    def size(p):
        if os.path.isdir(p):
            return sum(os.path.getsize(os.path.join(p, f)) for f in os.listdir(p))
        return os.path.getsize(p)

    cases = {
        name: {"path": name, "bytes": size(os.path.join(out, name))}
        for name in ["head512.nii.gz", "dicom-raw", "dicom-jpegll"]
    }
    cases["dims"] = list(v.shape)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(json.dumps(cases))


if __name__ == "__main__":
    main()
