//! Small constructors for data elements of an in-memory DICOM object (dicom-object).

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::InMemDicomObject;

use super::codes::Code;

pub type Element = DataElement<InMemDicomObject>;

/// A text element (UI, CS, LO, SH, PN, DA, TM, DT, ...), one value.
pub fn text(tag: Tag, vr: VR, value: &str) -> Element {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

/// A text element with several values (e.g. ImageType).
pub fn texts(tag: Tag, vr: VR, values: &[&str]) -> Element {
    DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().map(|s| s.to_string()).collect()),
    )
}

/// An unsigned short element with one or more values.
pub fn us(tag: Tag, values: &[u16]) -> Element {
    DataElement::new(
        tag,
        VR::US,
        PrimitiveValue::U16(values.iter().copied().collect()),
    )
}

/// An unsigned long element with one or more values.
pub fn ul(tag: Tag, values: &[u32]) -> Element {
    DataElement::new(
        tag,
        VR::UL,
        PrimitiveValue::U32(values.iter().copied().collect()),
    )
}

/// An integer string (IS) element.
pub fn is(tag: Tag, value: i64) -> Element {
    text(tag, VR::IS, &value.to_string())
}

/// An attribute tag (AT) element.
pub fn at(tag: Tag, value: Tag) -> Element {
    DataElement::new(
        tag,
        VR::AT,
        PrimitiveValue::Tags([value].into_iter().collect()),
    )
}

/// A decimal string (DS) element; each value is written in at most 16 characters.
pub fn ds(tag: Tag, values: &[f64]) -> Element {
    DataElement::new(
        tag,
        VR::DS,
        PrimitiveValue::Strs(values.iter().map(|&v| ds_value(v)).collect()),
    )
}

/// One DS value: the shortest decimal form that fits DICOM's 16-character limit.
pub fn ds_value(v: f64) -> String {
    let v = if v == 0.0 || !v.is_finite() { 0.0 } else { v };
    for precision in (0..=10).rev() {
        let s = format!("{v:.precision$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        let s = if s == "-0" { "0".to_string() } else { s };
        if s.len() <= 16 {
            return s;
        }
    }
    format!("{v:.3e}")
}

/// A sequence element.
pub fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> Element {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

/// An item from its elements.
pub fn item(elements: Vec<Element>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

/// A code sequence item (CodeValue, CodingSchemeDesignator, CodeMeaning).
pub fn code_item(code: Code) -> InMemDicomObject {
    use dicom_dictionary_std::tags;
    item(vec![
        text(tags::CODE_VALUE, VR::SH, code.0),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, code.1),
        text(tags::CODE_MEANING, VR::LO, code.2),
    ])
}

#[cfg(test)]
mod tests {
    use super::ds_value;

    #[test]
    fn decimal_strings_fit_sixteen_characters() {
        assert_eq!(ds_value(-10.0), "-10");
        assert_eq!(ds_value(0.25), "0.25");
        assert_eq!(ds_value(-0.0), "0");
        let s = ds_value(-123.456_789_012_345_67);
        assert!(s.len() <= 16 && s.starts_with("-123.4567"), "{s}");
        assert!((s.parse::<f64>().unwrap() + 123.456_789_012_345_67).abs() < 1e-8);
    }
}
