//! Binding a user action to one request: caller, method, path, payload.
//!
//! Payloads are compared as parsed JSON, not bytes: the Python SDK signs
//! ASCII-escaped JSON but sends raw UTF-8, and key order may differ.

use crate::domain::ids::UserId;
use crate::domain::secret::SecretDigest;

/// A canonical form of a request payload: `""`, `"{}"` and no body are the
/// same empty payload; JSON is re-serialised with sorted keys; anything
/// else is kept as it is.
pub fn canonical_payload(payload: &[u8]) -> String {
    let trimmed = payload.trim_ascii();
    if trimmed.is_empty() {
        return "{}".to_string();
    }
    match serde_json::from_slice::<serde_json::Value>(trimmed) {
        // serde_json's map is ordered by key (no `preserve_order` feature).
        Ok(value) => value.to_string(),
        Err(_) => String::from_utf8_lossy(trimmed).into_owned(),
    }
}

/// Strips a query string from a request path.
pub fn path_without_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// Digest naming exactly one (caller, method, path, payload).
pub fn binding(caller_id: &UserId, method: &str, path: &str, payload: &[u8]) -> SecretDigest {
    let canonical = canonical_payload(payload);
    let text = format!(
        "{caller_id}\n{}\n{}\n{canonical}",
        method.to_ascii_uppercase(),
        path_without_query(path)
    );
    SecretDigest::of(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u1() -> UserId {
        UserId::parse("us-01jtb-imrht-edl9flkevj8gev5j").unwrap()
    }

    fn u2() -> UserId {
        UserId::parse("us-01jtb-imrht-edl9flkevj8gev5k").unwrap()
    }

    #[test]
    fn ascii_escaped_and_utf8_payloads_bind_alike() {
        let signed = br#"{"username":"j\u00f6s\u00e9"}"#;
        let sent = "{ \"username\": \"jösé\" }".as_bytes();
        assert_eq!(
            binding(&u1(), "POST", "/p", signed),
            binding(&u1(), "post", "/p", sent)
        );
    }

    #[test]
    fn key_order_is_irrelevant() {
        assert_eq!(
            canonical_payload(br#"{"b":1,"a":{"d":2,"c":3}}"#),
            r#"{"a":{"c":3,"d":2},"b":1}"#
        );
    }

    #[test]
    fn empty_payloads_are_one() {
        for p in [&b""[..], b"{}", b"  ", b" { } "] {
            assert_eq!(canonical_payload(p), "{}");
        }
    }

    #[test]
    fn every_part_of_the_binding_matters() {
        let base = binding(
            &u1(),
            "POST",
            "/auth/login/delegated",
            br#"{"username":"a"}"#,
        );
        assert_ne!(
            base,
            binding(
                &u2(),
                "POST",
                "/auth/login/delegated",
                br#"{"username":"a"}"#
            )
        );
        assert_ne!(
            base,
            binding(
                &u1(),
                "PUT",
                "/auth/login/delegated",
                br#"{"username":"a"}"#
            )
        );
        assert_ne!(
            base,
            binding(&u1(), "POST", "/auth/action", br#"{"username":"a"}"#)
        );
        assert_ne!(
            base,
            binding(
                &u1(),
                "POST",
                "/auth/login/delegated",
                br#"{"username":"b"}"#
            )
        );
        assert_eq!(
            base,
            binding(
                &u1(),
                "POST",
                "/auth/login/delegated?x=1",
                br#"{"username":"a"}"#
            )
        );
    }

    #[test]
    fn empty_payloads_bind_alike_both_ways_for_every_method() {
        // Python signs "" and sends no body; the TS clients sign and send "{}".
        let path = "/auth/users/us-01jtb-imrht-edl9flkevj8gev5j/activate";
        for method in ["PUT", "DELETE", "POST"] {
            for (signed, sent) in [
                (&b""[..], &b"{}"[..]),
                (b"{}", b""),
                (b"", b""),
                (b"{}", b" { }\n"),
            ] {
                assert_eq!(
                    binding(&u1(), method, path, signed),
                    binding(&u1(), method, path, sent),
                    "{method} {signed:?} {sent:?}"
                );
            }
            // An empty payload is not any other payload.
            for other in [&br#"{"force":true}"#[..], b"null", b"[]", b"\"\""] {
                assert_ne!(
                    binding(&u1(), method, path, b""),
                    binding(&u1(), method, path, other),
                    "{method} {other:?}"
                );
            }
        }
        // Nor is one method's empty payload another's.
        assert_ne!(
            binding(&u1(), "PUT", path, b""),
            binding(&u1(), "DELETE", path, b"{}")
        );
    }

    #[test]
    fn a_signed_path_is_compared_on_its_path_part() {
        let sent = binding(&u1(), "PUT", "/auth/users/x/deactivate", b"{}");
        for signed in [
            "/auth/users/x/deactivate?force=true",
            "/auth/users/x/deactivate?force=True&x=1",
            "/auth/users/x/deactivate?",
        ] {
            assert_eq!(binding(&u1(), "PUT", signed, b"{}"), sent, "{signed}");
        }
        assert_eq!(path_without_query("/a/b?c=d?e"), "/a/b");
        assert_eq!(path_without_query("/a/b"), "/a/b");
        // The path part itself still has to match.
        assert_ne!(
            binding(&u1(), "PUT", "/auth/users/y/deactivate?force=true", b"{}"),
            sent
        );
    }

    #[test]
    fn the_method_is_part_of_the_binding() {
        let path = "/auth/login/delegated";
        let body = br#"{"username":"a"}"#;
        let post = binding(&u1(), "POST", path, body);
        for other in ["PUT", "DELETE", "PATCH", "GET"] {
            assert_ne!(binding(&u1(), other, path, body), post, "{other}");
        }
        // The SDKs send it upper case; the request's method is upper case.
        assert_eq!(binding(&u1(), "post", path, body), post);
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "\\PC{0,20}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("\\PC{0,8}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn canonical_form_ignores_formatting_and_escaping(value in json_value()) {
            let compact = value.to_string();
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            let ascii: String = compact
                .chars()
                .map(|c| if c.is_ascii() { c.to_string() } else {
                    let mut buf = [0u16; 2];
                    c.encode_utf16(&mut buf).iter().map(|u| format!("\\u{u:04x}")).collect()
                })
                .collect();
            let canonical = canonical_payload(compact.as_bytes());
            proptest::prop_assert_eq!(&canonical, &canonical_payload(pretty.as_bytes()));
            proptest::prop_assert_eq!(&canonical, &canonical_payload(ascii.as_bytes()));
            proptest::prop_assert_eq!(&canonical, &canonical_payload(canonical.as_bytes()));
        }

        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = canonical_payload(&bytes);
            let _ = binding(&u1(), "POST", "/p", &bytes);
        }
    }
}
