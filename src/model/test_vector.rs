//! The known-answer input of the model cards' start-up self-test.

use super::card::TestVector;
use crate::{Error, Result};

/// `u_i = ((i · 2654435761 + seed) mod 2^32) / 2^32` as f32, for the flat NCHW index i.
pub fn input(seed: u64, n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let v = (i.wrapping_mul(2_654_435_761).wrapping_add(seed)) & 0xffff_ffff;
            (v as f64 / 4_294_967_296.0) as f32
        })
        .collect()
}

/// Compare a model's output on [`input`] with the card's expected values.
pub fn check(tv: &TestVector, output: &[f32]) -> Result<()> {
    let n: usize = tv.output_shape.iter().product();
    if output.len() != n || tv.output_shape.len() < 2 {
        return Err(Error::Model(format!(
            "self-test: output has {} values, the card expects shape {:?}",
            output.len(),
            tv.output_shape
        )));
    }
    let channels = tv.output_shape[1];
    let per = n / channels.max(1);
    for (c, expected) in tv.output_channel_means.iter().enumerate() {
        let mean = output[c * per..(c + 1) * per]
            .iter()
            .map(|&v| v as f64)
            .sum::<f64>()
            / per as f64;
        if (mean - expected).abs() > tv.tolerance {
            return Err(Error::Model(format!(
                "self-test failed: channel {c} mean {mean} differs from the expected {expected}"
            )));
        }
    }
    for (&i, &expected) in tv
        .output_samples
        .flat_index
        .iter()
        .zip(&tv.output_samples.value)
    {
        let got = output.get(i).copied().unwrap_or(f32::NAN) as f64;
        // NaN fails too: it is not within tolerance
        if (got - expected).abs().partial_cmp(&tv.tolerance) != Some(std::cmp::Ordering::Less)
            && (got - expected).abs() != tv.tolerance
        {
            return Err(Error::Model(format!(
                "self-test failed: output[{i}] = {got}, expected {expected}"
            )));
        }
    }
    Ok(())
}

/// Compare every value of a small output (the slice head's logits) with the expected ones.
pub fn check_values(tv: &TestVector, expected: &[f64], got: &[f32]) -> Result<()> {
    if expected.len() != got.len() {
        return Err(Error::Model(format!(
            "self-test: the slice output has {} values, the card expects {}",
            got.len(),
            expected.len()
        )));
    }
    for (i, (&e, &g)) in expected.iter().zip(got).enumerate() {
        let d = (g as f64 - e).abs();
        // NaN fails: it is not within tolerance
        if d.partial_cmp(&tv.tolerance) == Some(std::cmp::Ordering::Greater) || d.is_nan() {
            return Err(Error::Model(format!(
                "self-test failed: slice output[{i}] = {g}, expected {e}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::card::OutputSamples;

    #[test]
    fn input_matches_the_documented_formula() {
        let x = input(20261127, 4);
        assert_eq!(x[0], (20261127f64 / 4294967296.0) as f32);
        let v1 = (2654435761u64 + 20261127) & 0xffff_ffff;
        assert_eq!(x[1], (v1 as f64 / 4294967296.0) as f32);
        assert!(x.iter().all(|v| (0.0..1.0).contains(v)));
    }

    #[test]
    fn slice_output_values_are_checked_one_by_one() {
        let tv = TestVector {
            seed: 1,
            input_shape: vec![1, 3, 2, 2],
            output_shape: vec![1, 1],
            output_channel_means: vec![],
            output_samples: OutputSamples {
                flat_index: vec![],
                value: vec![],
            },
            tolerance: 1e-4,
            slice_output_values: None,
        };
        let want = [0.5, -1.0];
        assert!(check_values(&tv, &want, &[0.50005, -1.0]).is_ok());
        assert!(check_values(&tv, &want, &[0.5, -1.01]).is_err());
        assert!(check_values(&tv, &want, &[0.5, f32::NAN]).is_err());
        assert!(check_values(&tv, &want, &[0.5]).is_err());
    }
}
