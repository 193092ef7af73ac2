//! Shopify payment transactions (the `order_transactions/create` webhook, `GET
//! /orders/{id}/transactions.json`): with `[shopify] tenders = "transactions"` each one that
//! moves money is a tender of its order, keyed by the transaction id as Square payments are, so
//! the webhook and a page of the same transaction land on one row and split payments are seen
//! as they were paid. The order then maps no tender of its own, and refund transactions stay
//! with the refund that carries them: no payment is counted twice.

use super::{business_date, flag, store_of, transaction_method, SOURCE};
use crate::adapters::json::{self, array, get, join, opt_text, text, time, utc};
use crate::adapters::{check_time, number_from_id, Context, PayloadError};
use crate::config::ShopifyTenders;
use crate::envelope::{Record, Reject, TenderRecord};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// What a transaction does to the money, by `kind` and `status`: successful sales and captures
/// are paid in (positive), successful change is cash handed back (negative); a failed or
/// erroneous sale, capture or authorization is a declined attempt (a card refused at the
/// till). Nothing else moves money: a successful authorization only reserves it (its capture
/// moves it), a void releases it, a pending one has not happened yet, and a refund is mapped
/// with the refund that carries it (Shopify creates refund transactions only through refunds).
fn effect(kind: &str, status: &str) -> Option<(Decimal, TenderStatus)> {
    let failed = matches!(status, "failure" | "error");
    match kind {
        "sale" | "capture" if status == "success" => Some((Decimal::ONE, TenderStatus::Approved)),
        "sale" | "capture" | "authorization" | "emv_authorization" if failed => {
            Some((Decimal::ONE, TenderStatus::Declined))
        }
        "change" if status == "success" => Some((-Decimal::ONE, TenderStatus::Approved)),
        _ => None,
    }
}

/// The amount in the shop currency: `amount_set.shop_money` when present, else `amount` in the
/// transaction's `currency`. When the store's currency is configured and the transaction is in
/// another one (a multi-currency checkout without its shop amount), it is an error naming the
/// field, not a wrong number.
fn shop_amount(
    ctx: &Context,
    x: &Value,
    path: &str,
    store: &str,
) -> Result<(Decimal, String), PayloadError> {
    if let Some(m) = get(x, "amount_set").and_then(|s| get(s, "shop_money")) {
        let mp = join(path, "amount_set.shop_money");
        let currency = match opt_text(m, &mp, "currency_code")? {
            Some(c) => checked(c, &join(&mp, "currency_code"))?,
            None => ctx.currency_of(store),
        };
        return Ok((super::amount(m, &mp, "amount")?, currency));
    }
    let amount = super::amount(x, path, "amount")?;
    let currency = match opt_text(x, path, "currency")? {
        Some(c) => checked(c, &join(path, "currency"))?,
        None => ctx.currency_of(store),
    };
    match ctx.store_currency.get(store) {
        Some(shop) if *shop != currency => Err(json::err(
            &join(path, "amount"),
            format!("is in {currency}, not the shop currency {shop}, and `amount_set.shop_money` is missing"),
        )),
        _ => Ok((amount, currency)),
    }
}

/// A currency the tender table accepts (ISO 4217 letters), else an error naming the field:
/// a tender is written on its own, with no transaction check before it.
fn checked(code: String, field: &str) -> Result<String, PayloadError> {
    if is_currency_code(&code) {
        Ok(code)
    } else {
        Err(json::err(
            field,
            format!("`{code}` is not an ISO 4217 currency code"),
        ))
    }
}

/// Card data the model may keep: the BIN (the issuer's 6 to 8 leading digits), never the
/// masked number. Anything longer or not digits is not a BIN and is dropped rather than stored.
pub(super) fn card_bin(x: &Value) -> Option<String> {
    let bin = get(x, "payment_details")?
        .get("credit_card_bin")?
        .as_str()?;
    let ok = (6..=8).contains(&bin.len()) && bin.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| bin.to_string())
}

/// The tender method: a transaction that names a card company was paid by card whatever the
/// gateway is called (`shopify_payments`, a POS card reader); else the gateway says.
fn method(x: &Value, gateway: &str) -> TenderMethod {
    let company = get(x, "payment_details")
        .and_then(|p| p.get("credit_card_company"))
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty());
    match (transaction_method(x, gateway), company) {
        (TenderMethod::Other, Some(_)) => TenderMethod::Card,
        (m, _) => m,
    }
}

/// One transaction as a tender of its order, or `None` when it moves no money. `voided_at`
/// is the version of a successful void of this transaction in the same page: the capture or
/// sale is then a voided tender, newer than the approved one a webhook may have stored.
fn tender(
    ctx: &Context,
    x: &Value,
    path: &str,
    shop_store: &str,
    voided_at: Option<i64>,
) -> Result<Option<TenderRecord>, PayloadError> {
    let id = text(x, path, "id")?;
    let kind = text(x, path, "kind")?.to_ascii_lowercase();
    let status = text(x, path, "status")?.to_ascii_lowercase();
    // A test transaction (test gateway, test mode) is simulated money, as its test order is.
    let Some((sign, mut tender_status)) = effect(&kind, &status).filter(|_| !flag(x, "test"))
    else {
        return Ok(None);
    };
    let store = store_of(ctx, opt_text(x, path, "location_id")?, shop_store);
    let at = match get(x, "processed_at") {
        Some(_) => time(x, path, "processed_at")?,
        None => time(x, path, "created_at")?,
    };
    let created = match get(x, "created_at") {
        Some(_) => time(x, path, "created_at")?,
        None => at,
    };
    // Transactions do not change once made (a void is a transaction of its own).
    let mut version = utc(created).timestamp_millis();
    if let (Some(v), TenderStatus::Approved) = (voided_at, tender_status) {
        tender_status = TenderStatus::Voided;
        version = version.max(v);
    }
    let (amount, currency) = shop_amount(ctx, x, path, &store)?;
    let gateway = opt_text(x, path, "gateway")?.unwrap_or_default();
    Ok(Some(TenderRecord {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: text(x, path, "order_id")?,
        },
        source_version: version,
        business_date: business_date(ctx, &store, at),
        currency,
        register_id: opt_text(x, path, "device_id")?,
        cashier_id: opt_text(x, path, "user_id")?,
        tender: Tender {
            tender_no: number_from_id(&id),
            method: method(x, &gateway),
            amount: sign * amount,
            status: tender_status,
            card_fingerprint: None,
            card_bin: card_bin(x),
            card_entry: None,
            occurred_at: utc(at),
            // A transaction does not say how much of it was a tip (the REST `Transaction` and
            // GraphQL `OrderTransaction` have no tip amount; the order's tip line names only
            // the gateway it was paid through), so its tip is not known: 0.
            tip: Decimal::ZERO,
        },
    }))
}

/// Successful voids in a page, by the id of the transaction they cancel, with their version.
fn voids(list: &[Value], key: &str) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for (i, x) in list.iter().enumerate() {
        let xp = format!("{key}[{i}]");
        let kind = opt_text(x, &xp, "kind").ok().flatten();
        let status = opt_text(x, &xp, "status").ok().flatten();
        let parent = opt_text(x, &xp, "parent_id").ok().flatten();
        if let (Some("void"), Some("success"), Some(p)) = (
            kind.as_deref().map(str::to_ascii_lowercase).as_deref(),
            status.as_deref().map(str::to_ascii_lowercase).as_deref(),
            parent,
        ) {
            let at = time(x, &xp, "created_at").map(|t| utc(t).timestamp_millis());
            out.insert(p, at.unwrap_or_default());
        }
    }
    out
}

/// A transaction, bare (the webhook) or under `transaction`, or a page under `transactions`:
/// the event id and the tenders. With `tenders = "order"` the order's own tender stands and
/// the transactions are kept in the inbox with no facts.
pub(super) fn transactions(
    ctx: &Context,
    v: &Value,
    key: &str,
    shop_store: &str,
) -> Result<(String, Vec<Result<Record, Reject>>), PayloadError> {
    let (list, page) = match key {
        "transactions" => (array(v, "", key)?.to_vec(), true),
        "transaction" => (vec![v[key].clone()], false),
        _ => (vec![v.clone()], false),
    };
    let mut ids = Vec::new();
    let mut states = String::new();
    for (i, x) in list.iter().enumerate() {
        let xp = item_path(key, page, i);
        ids.push(text(x, &xp, "id")?);
        let status = opt_text(x, &xp, "status")?.unwrap_or_default();
        states.push_str(&format!("{}:{status},", ids[i]));
    }
    // A status is the one thing that changes (pending → success): a page fetched again after
    // that is a new event, not a duplicate of the first fetch.
    let event_id = match (page, ids.first(), ids.last()) {
        (false, Some(id), _) => format!("transaction/{id}/{}", states_of(&list[0])),
        (true, Some(a), Some(b)) => {
            format!(
                "transactions[{}]:{a}..{b}/{}",
                ids.len(),
                short_hash(&states)
            )
        }
        _ => "transactions[0]".to_string(),
    };
    if ctx.shopify_tenders == ShopifyTenders::Order {
        return Ok((event_id, vec![]));
    }
    let voided = voids(&list, key);
    let mut records = Vec::new();
    for (i, x) in list.iter().enumerate() {
        let xp = item_path(key, page, i);
        let Some(rec) = tender(ctx, x, &xp, shop_store, voided.get(&ids[i]).copied())? else {
            continue;
        };
        records.push(
            check_time(ctx, &join(&xp, "processed_at"), rec.tender.occurred_at)
                .map(|_| Record::Tender(rec))
                .map_err(|reason| Reject {
                    tenant_id: Some(ctx.tenant_id.clone()),
                    source: SOURCE.into(),
                    event_id: Some(event_id.clone()),
                    payload: Some(x.to_string()),
                    reason,
                    detail: serde_json::json!({ "field": join(&xp, "processed_at") }),
                }),
        );
    }
    Ok((event_id, records))
}

fn states_of(x: &Value) -> String {
    x.get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn short_hash(s: &str) -> String {
    crate::adapters::json::hash_hex(s, 8)
}

fn item_path(key: &str, page: bool, i: usize) -> String {
    if page {
        format!("{key}[{i}]")
    } else {
        key.to_string()
    }
}
