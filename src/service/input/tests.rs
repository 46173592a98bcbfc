use super::*;
use crate::domain::model::UserKind;
use crate::domain::secret::Redacted;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Outer {
    name: String,
    #[serde(default)]
    kind: Option<UserKind>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    flag: Option<bool>,
    #[serde(default)]
    inner: Option<Inner>,
    #[serde(default)]
    items: Vec<Inner>,
    #[serde(default)]
    secret: Option<Redacted<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Inner {
    cred_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Strict {
    a: Option<String>,
}

fn message<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
    match parse_body::<T>(body.as_bytes()) {
        Err(Error::BadRequest(m)) => m,
        other => panic!("{body}: {other:?}"),
    }
}

#[test]
fn names_the_field_and_its_type() {
    let cases = [
        (r#"{}"#, "name is required"),
        (r#"{"name": 1}"#, "name must be a string"),
        (r#"{"name": null}"#, "name must be a string"),
        (r#"{"name": ["x"]}"#, "name must be a string"),
        (
            r#"{"name": "x", "count": "many"}"#,
            "count must be an integer",
        ),
        (r#"{"name": "x", "count": -1}"#, "count must be an integer"),
        (r#"{"name": "x", "flag": "yes"}"#, "flag must be a boolean"),
        (r#"{"name": "x", "inner": 5}"#, "inner must be an object"),
        (r#"{"name": "x", "inner": {}}"#, "inner.credId is required"),
        (
            r#"{"name": "x", "inner": {"credId": 5}}"#,
            "inner.credId must be a string",
        ),
        (
            r#"{"name": "x", "items": [{"credId": "a"}, {"credId": false}]}"#,
            "items[1].credId must be a string",
        ),
        (r#"{"name": "x", "items": {}}"#, "items must be an array"),
        (r#"{"name": "x", "secret": 7}"#, "secret must be a string"),
        (
            r#"{"name": "x", "kind": "Robot"}"#,
            "kind must be one of CustomerEmployee, EndUser",
        ),
        (r#"{"name": "x", "name": "y"}"#, "name must be given once"),
        (r#"{"name": "x", "kind": 1}"#, "kind is invalid"),
        (
            r#"{"name": "x", "kind": {"EndUser": 1}}"#,
            "kind is invalid",
        ),
        (
            r#"{"name": "x", "kind": {"Robot": null}}"#,
            "kind must be one of CustomerEmployee, EndUser",
        ),
        (r#"{"name": "x", "count": 1.5}"#, "count must be an integer"),
        (
            r#"{"name": "x", "items": [1]}"#,
            "items[0] must be an object",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(message::<Outer>(body), expected, "{body}");
    }
    assert_eq!(
        message::<Strict>(r#"{"b": 1}"#),
        "invalid request body: a field is not allowed"
    );
}

#[test]
fn never_echoes_the_input() {
    let marker = "zq-echo-marker-7781";
    let bodies = [
        format!(r#"{{"name": 1, "{marker}": 2}}"#),
        format!(r#"{{"name": "x", "kind": "{marker}"}}"#),
        format!(r#"{{"name": "x", "count": "{marker}"}}"#),
        format!(r#"{{"name": "x", "count": "a, expected `{marker}`"}}"#),
        format!(r#"{{"name": "x", "kind": "a`, expected `{marker}` or `B"}}"#),
        format!(r#"{{"name": "x", "flag": "{marker} at line 1 column 2"}}"#),
        format!(r#"{{"name": "x", "inner": {{"credId": ["{marker}"]}}}}"#),
        format!(r#"{{"name": "x", "kind": {{"{marker}": null}}}}"#),
        format!(r#"{{"name": "x", "kind": {{"{marker}": 1}}}}"#),
        format!(r#"["{marker}"]"#),
        format!(r#"{{"name": "{marker}""#),
        format!(r#""{marker}""#),
    ];
    for body in &bodies {
        let m = message::<Outer>(body);
        assert!(!m.contains(marker), "{body}: {m}");
        assert!(!m.contains("line"), "{body}: {m}");
    }
    let m = message::<Strict>(&format!(r#"{{"{marker}": 1}}"#));
    assert!(!m.contains(marker), "{m}");
}

#[test]
fn body_shapes() {
    assert_eq!(
        message::<Outer>("not json"),
        "invalid request body: not JSON"
    );
    assert_eq!(message::<Outer>("{"), "invalid request body: not JSON");
    assert_eq!(
        message::<Outer>(r#"{"name": "x"} trailing"#),
        "invalid request body: not JSON"
    );
    for body in ["[]", "42", "null", r#""x""#, r#"["x"]"#] {
        assert_eq!(
            message::<Outer>(body),
            "invalid request body: expected a JSON object",
            "{body}"
        );
    }
    // An empty body is the empty object.
    for body in ["", "  ", "\n", "{}"] {
        assert_eq!(message::<Outer>(body), "name is required", "{body:?}");
        assert!(parse_body::<ForceOnly>(body.as_bytes()).is_ok(), "{body:?}");
    }
    assert!(parse_body::<ForceOnly>(br#"{"force": true}"#).is_ok());
    assert_eq!(
        match parse_body::<ForceOnly>(br#"{"force": "True"}"#) {
            Err(Error::BadRequest(m)) => m,
            other => panic!("{other:?}"),
        },
        "force must be a boolean"
    );
    assert!(matches!(
        parse_body::<Outer>(b"\xff\xfe"),
        Err(Error::BadRequest(_))
    ));
}

#[test]
fn boolean_query_parameters() {
    for (query, expected) in [
        (None, None),
        (Some(""), None),
        (Some("other=1"), None),
        (Some("force=true"), Some(true)),
        (Some("force=True"), Some(true)),
        (Some("force=false"), Some(false)),
        (Some("force=False"), Some(false)),
        (Some("a=1&force=True&b"), Some(true)),
        (Some("%66orce=%54rue"), Some(true)),
        (Some("forced=maybe"), None),
    ] {
        assert_eq!(query_bool(query, "force"), Ok(expected), "{query:?}");
    }
    for query in [
        "force",
        "force=",
        "force=TRUE",
        "force=1",
        "force=yes",
        "force=%ff",
        "force=%+4rue",
        "force=tru%",
        "force=tru%6",
        "force=true&force=true",
    ] {
        let err = query_bool(Some(query), "force").unwrap_err();
        assert_eq!(err.status(), 400, "{query}");
        assert!(err.to_string().starts_with("force must be"), "{query}");
        assert!(!err.to_string().contains("yes"));
    }
    assert_eq!(accept_force(Some("force=True")), Ok(()));
    assert_eq!(accept_force(None), Ok(()));
    assert!(accept_force(Some("force=nope")).is_err());
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let _ = parse_body::<Outer>(&bytes);
        if let Ok(q) = std::str::from_utf8(&bytes) {
            let _ = query_bool(Some(q), "force");
        }
    }

    #[test]
    fn a_string_value_is_never_echoed(value in "[a-z]{12}") {
        for body in [
            format!(r#"{{"name": "x", "count": "{value}"}}"#),
            format!(r#"{{"name": "x", "kind": "{value}"}}"#),
            format!(r#"{{"name": {{"{value}": 1}}}}"#),
        ] {
            let m = message::<Outer>(&body);
            proptest::prop_assert!(!m.contains(&value), "{}: {}", body, m);
        }
    }
}
