//! How every endpoint reads its input: JSON bodies and query parameters.
//!
//! A 400 names what is wrong (the field's path and the type it must have)
//! and never echoes the caller's input back: messages are built from the
//! body's shape and the expected type only, never from a value sent.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::Error;

/// Parses a JSON object body into `T`. An empty body (absent, `""` or
/// whitespace) is the empty object, as it is for the user action binding.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let body: &[u8] = if body.trim_ascii().is_empty() {
        b"{}"
    } else {
        body
    };
    // Validated as JSON first, so that a failure below is about the shape.
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| Error::bad_request("invalid request body: not JSON"))?;
    // serde's derived structs also accept an array of the fields in order;
    // the contract's bodies are objects, and nothing else is let through.
    if !value.is_object() {
        return Err(Error::bad_request(
            "invalid request body: expected a JSON object",
        ));
    }
    // From the bytes, not the value: a field given twice stays an error.
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| field_error(e.path(), &e.inner().to_string()))
}

/// The body of a write with no logical body: empty, `{}`, or `{"force": bool}`.
#[derive(Debug, Deserialize)]
pub struct ForceOnly {
    /// Accepted and ignored: there is no policy engine to override.
    #[serde(default)]
    pub force: Option<bool>,
}

/// Checks a request's `force` query parameter and ignores it: without a
/// policy engine nothing waits for approval, so the service never answers 202.
pub fn accept_force(query: Option<&str>) -> Result<(), Error> {
    query_bool(query, "force").map(|_| ())
}

/// A boolean query parameter: `true`/`True`/`false`/`False` (the Python
/// SDK capitalises). Absent: `None`. Any other value, a bare name or the
/// name given twice: 400 naming the parameter.
pub fn query_bool(query: Option<&str>, name: &str) -> Result<Option<bool>, Error> {
    let invalid = || Error::bad_request(format!("{name} must be true or false"));
    let mut found = None;
    for (key, value) in query_pairs(query.unwrap_or("")) {
        if key.as_deref() != Some(name) {
            continue;
        }
        if found.is_some() {
            return Err(Error::bad_request(format!("{name} must be given once")));
        }
        found = Some(match value.as_deref() {
            Some("true" | "True") => true,
            Some("false" | "False") => false,
            _ => return Err(invalid()),
        });
    }
    Ok(found)
}

/// The first value of query parameter `name`, decoded; `None` when absent
/// or bare.
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query_pairs(query.unwrap_or(""))
        .find(|(key, _)| key.as_deref() == Some(name))
        .and_then(|(_, value)| value)
}

/// The `key=value` pairs of a raw query string, percent-decoded (`+` is a
/// space). A part that is not UTF-8 once decoded is `None`; a bare `key`
/// has no value (`None`).
fn query_pairs(query: &str) -> impl Iterator<Item = (Option<String>, Option<String>)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (key, value) = match pair.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (pair, None),
        };
        (percent_decode(key), value.and_then(percent_decode))
    })
}

fn percent_decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The 400 for a body that is JSON but not of the expected shape, from
/// the error's path and category. serde's messages carry the offending
/// value (`invalid type: string "...", expected ...`, `unknown variant
/// `...``): only the parts that come from the type are kept.
fn field_error(path: &serde_path_to_error::Path, message: &str) -> Error {
    // serde_json appends the position last.
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let segments: Vec<_> = path.iter().collect();
    let at = Location::of(&segments);
    // The field itself, or a generic subject when no part of its path can be shown.
    let subject = if at.path.is_empty() {
        "invalid request body: a field".to_string()
    } else {
        at.path.clone()
    };
    let message = if let Some(field) = backticked(message, "missing field `") {
        match at.child(field) {
            Some(name) => format!("{name} is required"),
            None => format!("{subject} is invalid"),
        }
    } else if let Some(field) = backticked(message, "duplicate field `") {
        match at.child(field) {
            Some(name) => format!("{name} must be given once"),
            None => format!("{subject} is invalid"),
        }
    } else if message.starts_with("unknown field `") {
        // The path ends with the unknown key itself: the caller's input.
        let parent = Location::of(&segments[..segments.len().saturating_sub(1)]);
        if parent.path.is_empty() {
            "invalid request body: a field is not allowed".to_string()
        } else {
            format!("{} has a field that is not allowed", parent.path)
        }
    } else {
        let typed = ["invalid type: ", "invalid value: ", "unknown variant `"]
            .iter()
            .any(|p| message.starts_with(p));
        // Everything after the last ", expected " comes from the type: the
        // value sent, if any, is before it.
        let expected = message
            .rsplit_once(", expected ")
            .filter(|_| typed && at.complete)
            .and_then(|(_, e)| expected_phrase(e));
        match expected {
            Some(phrase) => format!("{subject} must be {phrase}"),
            None => format!("{subject} is invalid"),
        }
    };
    Error::BadRequest(message)
}

/// The text between `prefix` and the closing backtick that ends `message`.
fn backticked<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.strip_suffix('`')
}

/// Where in the body an error is, as far as it can be shown: `a.b[0].c`.
/// Keys on the path are the types' field names; a key that is not a plain
/// identifier, or an enum's variant, ends what is shown (`complete` false).
struct Location {
    path: String,
    complete: bool,
}

impl Location {
    fn of(segments: &[&serde_path_to_error::Segment]) -> Self {
        use serde_path_to_error::Segment;
        let mut path = String::new();
        for segment in segments {
            match segment {
                Segment::Seq { index } => path.push_str(&format!("[{index}]")),
                Segment::Map { key } if is_identifier(key) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                _ => {
                    return Location {
                        path,
                        complete: false,
                    }
                }
            }
        }
        Location {
            path,
            complete: true,
        }
    }

    /// The path of `field` (a name from the type) under this location.
    fn child(&self, field: &str) -> Option<String> {
        if !self.complete || !is_identifier(field) {
            return None;
        }
        Some(if self.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.path)
        })
    }
}

fn is_identifier(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// What serde's "expected ..." says a value must be, in the contract's words.
fn expected_phrase(expected: &str) -> Option<String> {
    let phrase = match expected {
        "a string" | "a borrowed string" => "a string",
        "a boolean" => "a boolean",
        "a sequence" => "an array",
        "a map" => "an object",
        "unit" => "null",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "an integer",
        "f32" | "f64" => "a number",
        e if e.starts_with("struct ") => "an object",
        e => return variant_list(e),
    };
    Some(phrase.to_string())
}

/// serde's list of an enum's variants: `` `A` ``, `` `A` or `B` `` or
/// `` one of `A`, `B`, `C` ``, as `A`, `one of A, B`, ...
fn variant_list(expected: &str) -> Option<String> {
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let well_formed = !names.is_empty() && names.iter().all(|n| is_identifier(n));
    if !well_formed {
        return None;
    }
    Some(match names.as_slice() {
        [one] => (*one).to_string(),
        many => format!("one of {}", many.join(", ")),
    })
}

#[cfg(test)]
mod tests;
