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
    let json: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let object = json
        .as_object()
        .ok_or("expected a JSON object with an `input_data` field")?;
    let data = object.get("input_data").ok_or("missing the `input_data` field")?;
    let rows = data.as_array().ok_or("`input_data` must be an array of rows")?;
    if rows.is_empty() {
        return Err("`input_data` is empty".into());
    }
    let inputs = if rows.iter().all(Value::is_number) {
        vec![flatten(data).map_err(|e| format!("input_data: {e}"))?]
    } else {
        rows.iter()
            .enumerate()
            .map(|(i, row)| flatten(row).map_err(|e| format!("row {i}: {e}")))
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

/// Flatten a number or a nested array of numbers, row-major.
fn flatten(value: &Value) -> Result<Vec<f32>, String> {
    let mut out = vec![];
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Number(n) => {
                let f = n.as_f64().ok_or_else(|| format!("{n} is not a number"))?;
                let x = f as f32;
                if !x.is_finite() {
                    return Err(format!("{n} does not fit a float32"));
                }
                out.push(x);
            }
            other => return Err(format!("expected a number, found {other}")),
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
            (r#"{"input_data": [[1, "a"]]}"#, "row 0: expected a number"),
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
