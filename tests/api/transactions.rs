//! The test backend's transactions stay all-or-nothing: scripts/run_moto.py
//! snapshots only the items a transaction names instead of whole tables,
//! and a failed transaction must still leave every one of them as it was.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;

use crate::support::*;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

async fn value(db: &Client, table: &str, key: &[(&str, &str)]) -> Option<String> {
    let mut get = db.get_item().table_name(table).consistent_read(true);
    for (k, v) in key {
        get = get.key(*k, s(v));
    }
    let item = get.send().await.unwrap().item?;
    Some(item.get("v")?.as_s().unwrap().clone())
}

fn put(table: &str, key: &[(&str, &str)], v: &str) -> TransactWriteItem {
    let mut put = Put::builder().table_name(table).item("v", s(v));
    for (k, val) in key {
        put = put.item(*k, s(val));
    }
    TransactWriteItem::builder()
        .put(put.build().unwrap())
        .build()
}

#[tokio::test]
async fn a_failed_transaction_leaves_every_item_it_named_as_it_was() {
    let stack = Stack::start().await;
    let db = Client::new(&stack.sdk);
    let tag = delegated_login::domain::secret::new_opaque_token();
    let (new_pk, old_pk, absent_pk) = (
        format!("TEST#{tag}#new"),
        format!("TEST#{tag}#old"),
        format!("TEST#{tag}#absent"),
    );
    let new = [("pk", new_pk.as_str())];
    let old = [("pk", old_pk.as_str())];
    let other_table = [("pk", new_pk.as_str()), ("sk", "TEST")];
    db.put_item()
        .table_name(REPLAY_TABLE)
        .item("pk", s(&old_pk))
        .item("v", s("before"))
        .send()
        .await
        .unwrap();
    let update = Update::builder()
        .table_name(REPLAY_TABLE)
        .key("pk", s(&old_pk))
        .update_expression("SET v = :v")
        .expression_attribute_values(":v", s("after"))
        .build()
        .unwrap();
    let refused = ConditionCheck::builder()
        .table_name(REPLAY_TABLE)
        .key("pk", s(&absent_pk))
        .condition_expression("attribute_exists(pk)")
        .build()
        .unwrap();
    // The refused check sits between writes: the ones before it and the
    // ones after it (which moto applies before it gives up) are undone.
    let items = vec![
        put(REPLAY_TABLE, &new, "written"),
        TransactWriteItem::builder()
            .condition_check(refused)
            .build(),
        TransactWriteItem::builder().update(update).build(),
        put(DIRECTORY_TABLE, &other_table, "written"),
    ];
    let failed = db
        .transact_write_items()
        .set_transact_items(Some(items.clone()))
        .send()
        .await;
    let err = failed.expect_err("the condition check refuses");
    assert!(
        err.into_service_error().is_transaction_canceled_exception(),
        "a cancelled transaction"
    );
    assert_eq!(value(&db, REPLAY_TABLE, &new).await, None);
    assert_eq!(
        value(&db, REPLAY_TABLE, &old).await.as_deref(),
        Some("before")
    );
    assert_eq!(value(&db, DIRECTORY_TABLE, &other_table).await, None);

    // Without the refused check, all of it happens.
    let items: Vec<_> = items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, t)| t)
        .collect();
    db.transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await
        .unwrap();
    assert_eq!(
        value(&db, REPLAY_TABLE, &new).await.as_deref(),
        Some("written")
    );
    assert_eq!(
        value(&db, REPLAY_TABLE, &old).await.as_deref(),
        Some("after")
    );
    let written = value(&db, DIRECTORY_TABLE, &other_table).await;
    assert_eq!(written.as_deref(), Some("written"));
}
