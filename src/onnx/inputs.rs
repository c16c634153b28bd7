//! Input files in the EZKL / ZKTorch JSON format.
//!
//! ```json
//! {"input_data": [[0.09, 0.13, 0.24, 0.05]]}
//! {"input_data": [[...], [...], ...], "labels": [3, 7, ...]}
//! ```
//!
//! `input_data` holds one row per sample; a row may be nested (`[[[...]]]`, e.g. an image) and is
//! flattened in row-major order. A flat list of numbers is read as a single row. `labels`, when
//! present, has one non-negative integer class per row.
//!
//! JSON has no NaN or Infinity: a file that writes them (Python's `json.dump` does) is refused with
//! the row and index of the first one, as is any other non-numeric element.

use std::path::Path;

use serde_json::Value;

use super::error::OnnxError;

/// A data set read from a JSON file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    /// One flattened input per sample.
    pub inputs: Vec<Vec<f32>>,
    /// The class of each sample, when the file has `labels`.
    pub labels: Option<Vec<usize>>,
}

/// Read a serialized ONNX `TensorProto` (the `input_0.pb` / `output_0.pb` files of the ONNX
/// backend test data): its shape and its values as `f32`, row-major.
pub fn read_tensor_pb(path: &Path) -> Result<(Vec<usize>, Vec<f32>), OnnxError> {
    let file = std::fs::File::open(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |e: &dyn std::fmt::Display| OnnxError::InputFile {
        path: path.to_path_buf(),
        reason: format!("not a float TensorProto ({e:#})"),
    };
    let proto = tract_onnx::tensor::proto_from_reader(file).map_err(|e| bad(&e))?;
    let tensor = tract_onnx::tensor::load_tensor(&tract_onnx::data_resolver::FopenDataResolver, &proto, None)
        .map_err(|e| bad(&e))?;
    let cast = tensor.cast_to::<f32>().map_err(|e| bad(&e))?;
    let values: Vec<f32> = cast
        .to_plain_array_view::<f32>()
        .map_err(|e| bad(&e))?
        .iter()
        .copied()
        .collect();
    Ok((tensor.shape().to_vec(), values))
}

/// Read the flattened input rows of a JSON input file.
pub fn read_inputs(path: &Path) -> Result<Vec<Vec<f32>>, OnnxError> {
    Ok(read_dataset(path)?.inputs)
}

/// Read a JSON input file with its optional labels.
pub fn read_dataset(path: &Path) -> Result<Dataset, OnnxError> {
    let text = std::fs::read_to_string(path).map_err(|source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_dataset(&text).map_err(|reason| OnnxError::InputFile {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parse the JSON text of an input file.
pub fn parse_dataset(text: &str) -> Result<Dataset, String> {
    let json: Value = match serde_json::from_str(text) {
        Ok(json) => json,
        // serde_json stops at a bare NaN / Infinity token with a generic message: quote such
        // tokens and parse again, so that the element check below names the row and index.
        Err(e) => quote_non_finite(text)
            .and_then(|quoted| serde_json::from_str(&quoted).ok())
            .ok_or_else(|| format!("invalid JSON: {e}"))?,
    };
    let object = json
        .as_object()
        .ok_or("expected a JSON object with an `input_data` field")?;
    let data = object.get("input_data").ok_or("missing the `input_data` field")?;
    let rows = data.as_array().ok_or("`input_data` must be an array of rows")?;
    if rows.is_empty() {
        return Err("`input_data` is empty".into());
    }
    let inputs = if !rows.iter().any(Value::is_array) {
        vec![flatten(data, 0)?]
    } else {
        rows.iter()
            .enumerate()
            .map(|(i, row)| flatten(row, i))
            .collect::<Result<Vec<_>, _>>()?
    };
    let len = inputs[0].len();
    if len == 0 {
        return Err("row 0 is empty".into());
    }
    if let Some((i, row)) = inputs.iter().enumerate().find(|(_, r)| r.len() != len) {
        return Err(format!("row {i} has {} values but row 0 has {len}", row.len()));
    }
    let labels = match object.get("labels") {
        None | Some(Value::Null) => None,
        Some(labels) => {
            let labels = labels.as_array().ok_or("`labels` must be an array of class indices")?;
            if labels.len() != inputs.len() {
                return Err(format!("{} labels for {} rows", labels.len(), inputs.len()));
            }
            let labels = labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    l.as_u64()
                        .and_then(|l| usize::try_from(l).ok())
                        .ok_or_else(|| format!("label {i} is not a non-negative integer: {l}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(labels)
        }
    };
    Ok(Dataset { inputs, labels })
}

/// The bare tokens JSON lacks but some writers emit for non-finite floats.
const NON_FINITE: [&str; 6] = ["-Infinity", "Infinity", "NaN", "-inf", "inf", "nan"];

/// `text` with every bare [`NON_FINITE`] token (outside strings) wrapped in quotes, or `None` when
/// it has none.
fn quote_non_finite(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let (mut in_string, mut escaped, mut found) = (false, false, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if let Some(token) = NON_FINITE.iter().find(|t| rest.starts_with(**t)) {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
            found = true;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    found.then_some(out)
}

/// Flatten a number or a nested array of numbers of row `row`, row-major.
fn flatten(value: &Value, row: usize) -> Result<Vec<f32>, String> {
    let mut out = vec![];
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        let at = || format!("row {row}, index {}", out.len());
        match v {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Number(n) => {
                let f = n.as_f64().ok_or_else(|| format!("{}: {n} is not a number", at()))?;
                let x = f as f32;
                if !x.is_finite() {
                    return Err(format!("{}: {n} does not fit a float32", at()));
                }
                out.push(x);
            }
            Value::String(t) if NON_FINITE.contains(&t.as_str()) => {
                return Err(format!("contains {t} at {}: replace it with a number", at()))
            }
            other => return Err(format!("{}: expected a number, found {other}", at())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ezkl_format() {
        let d = parse_dataset(r#"{"input_data": [[0.09, 0.13, 0.24, 0.05]]}"#).unwrap();
        assert_eq!(d.inputs, vec![vec![0.09, 0.13, 0.24, 0.05]]);
        assert_eq!(d.labels, None);
        let d = parse_dataset(r#"{"input_data": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "labels": [1, 0]}"#).unwrap();
        assert_eq!(d.inputs, vec![vec![1.0, 2.0, 3.0, 4.0], vec![5.0, 6.0, 7.0, 8.0]]);
        assert_eq!(d.labels, Some(vec![1, 0]));
        let d = parse_dataset(r#"{"input_data": [1, 2, 3]}"#).unwrap();
        assert_eq!(d.inputs, vec![vec![1.0, 2.0, 3.0]]);
    }

    #[test]
    fn rejects_malformed_files() {
        for (text, needle) in [
            ("not json", "invalid JSON"),
            ("[1, 2]", "JSON object"),
            ("{}", "missing"),
            (r#"{"input_data": []}"#, "empty"),
            (r#"{"input_data": 3}"#, "array of rows"),
            (r#"{"input_data": [[1, 2], [3]]}"#, "row 1 has 1 values"),
            (r#"{"input_data": [[1, "a"]]}"#, "row 0, index 1: expected a number"),
            (
                r#"{"input_data": [[1, 2], [3, NaN]]}"#,
                "contains NaN at row 1, index 1: replace it with a number",
            ),
            (
                r#"{"input_data": [[[1], [-Infinity]]]}"#,
                "contains -Infinity at row 0, index 1",
            ),
            (
                r#"{"input_data": [1, Infinity]}"#,
                "contains Infinity at row 0, index 1",
            ),
            (r#"{"input_data": [[1, "NaN"]]}"#, "contains NaN at row 0, index 1"),
            (
                r#"{"input_data": [[1, null]]}"#,
                "row 0, index 1: expected a number, found null",
            ),
            (r#"{"input_data": [[1, Nope]]}"#, "invalid JSON"),
            (
                r#"{"note": "NaN\" x", "input_data": [[1, 2]], "x": Nan}"#,
                "invalid JSON",
            ),
            (r#"{"input_data": [[1e300]]}"#, "float32"),
            (r#"{"input_data": [[1], [2]], "labels": [0]}"#, "1 labels for 2 rows"),
            (r#"{"input_data": [[1]], "labels": [-1]}"#, "label 0"),
            (r#"{"input_data": [[]]}"#, "row 0 is empty"),
        ] {
            let err = parse_dataset(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
