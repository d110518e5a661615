//! Checks that model bytes are the file the card describes (size and sha256), before they are
//! handed to tract.

use sha2::{Digest, Sha256};

use super::card::ModelCard;
use crate::{Error, Result};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `Ok` when `bytes` has the card's size and sha256 (both required: the shipped models).
pub fn verify(bytes: &[u8], card: &ModelCard) -> Result<()> {
    require_both(card)?;
    verify_given(bytes, card)
}

/// [`verify`] for a file whose sha256 (hex) was computed elsewhere (the browser's WebCrypto,
/// in the analysis worker's loader): `len` bytes with that digest.
pub fn verify_digest(len: usize, sha256: &str, card: &ModelCard) -> Result<()> {
    require_both(card)?;
    check(len, || sha256.to_string(), card)
}

fn require_both(card: &ModelCard) -> Result<()> {
    if card.sha256.is_none() || card.size_bytes.is_none() {
        return Err(Error::Model(format!(
            "model card {} gives no sha256 or size_bytes: the file cannot be checked",
            card.name
        )));
    }
    Ok(())
}

/// Check the size and sha256 the card gives; a field the card leaves out is not checked.
pub fn verify_given(bytes: &[u8], card: &ModelCard) -> Result<()> {
    check(bytes.len(), || sha256_hex(bytes), card)
}

/// Size and digest (computed only when the size matches and the card gives one) against the card.
fn check(len: usize, digest: impl FnOnce() -> String, card: &ModelCard) -> Result<()> {
    if let Some(size) = card.size_bytes.filter(|&s| s != len as u64) {
        return Err(Error::Model(format!(
            "{} ({}) has {} bytes, its card says {}: the file is incomplete or not the one \
             described; reload the page",
            card.file, card.name, len, size
        )));
    }
    if let Some(want) = &card.sha256 {
        let got = digest();
        if !got.eq_ignore_ascii_case(want) {
            return Err(Error::Model(format!(
                "{} ({}) has sha256 {got}, its card (field sha256) says {want}: the file is \
                 not the one described",
                card.file, card.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::shipped;

    #[test]
    fn shipped_models_match_their_cards_and_corruption_is_caught() {
        let card = ModelCard::from_json(shipped::CLASSIFIER_CARD).unwrap();
        verify(shipped::CLASSIFIER_ONNX, &card).unwrap();
        let mut bad = shipped::CLASSIFIER_ONNX.to_vec();
        bad[100] ^= 1;
        let e = verify(&bad, &card).unwrap_err().to_string();
        assert!(e.contains("sha256"), "{e}");
        let e = verify(&bad[1..], &card).unwrap_err().to_string();
        assert!(e.contains("bytes"), "{e}");
    }

    #[test]
    fn a_digest_computed_elsewhere_is_checked_the_same_way() {
        let card = ModelCard::from_json(shipped::SEGMENTER_CARD).unwrap();
        let bytes = shipped::SEGMENTER_ONNX;
        let good = sha256_hex(bytes);
        verify_digest(bytes.len(), &good, &card).unwrap();
        verify_digest(bytes.len(), &good.to_uppercase(), &card).unwrap();
        let e = verify_digest(bytes.len(), &sha256_hex(b"other"), &card)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sha256"), "{e}");
        let e = verify_digest(bytes.len() - 1, &good, &card)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bytes"), "{e}");
        let mut unchecked = card.clone();
        unchecked.sha256 = None;
        let e = verify_digest(bytes.len(), &good, &unchecked)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be checked"), "{e}");
    }

    #[test]
    fn sha256_of_a_known_string() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
