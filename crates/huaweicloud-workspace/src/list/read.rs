//! What every list decoder shares: a page's body read as its JSON, its
//! total checked, each item's key present and once, so that an operation
//! says only how one wire item becomes its model ([`Listed::read`]).

use std::collections::HashSet;

use crate::answer::Answer;
use crate::classify::Failure;
use crate::list::{Counted, Listed};

/// The wire names of a page, for its checks and their messages.
pub(crate) struct Shape {
    /// The field with the total (`count`, `total_count`).
    pub(crate) total: &'static str,
    /// The field with the items (`items`, `desktops`).
    pub(crate) items: &'static str,
    /// What an item is (`desktop`).
    pub(crate) item: &'static str,
    /// The field with an item's key (`desktop_id`).
    pub(crate) key: &'static str,
}

impl Shape {
    /// The names in the order a page lists them: total, items, an item, its key.
    pub(crate) const fn new(
        total: &'static str,
        items: &'static str,
        item: &'static str,
        key: &'static str,
    ) -> Shape {
        Shape {
            total,
            items,
            item,
            key,
        }
    }
}

/// The only decoder of a page of `listing`'s operation (after
/// [`classify::check`](crate::classify::check)): the documented JSON, at
/// most `limit` items, each with its key and once, each read by
/// [`Listed::read`].
pub(crate) fn decode<L: Listed>(
    listing: &L,
    answer: &Answer,
    limit: u32,
) -> Result<Counted<L::Item>, Failure> {
    let shape = &L::SHAPE;
    let (reported, wire) = L::split(json_page(answer)?);
    let total = total(
        answer,
        shape.total,
        reported,
        (wire.len(), shape.items),
        limit,
    )?;
    let mut seen = HashSet::with_capacity(wire.len());
    let mut items = Vec::with_capacity(wire.len());
    for mut item in wire {
        let key = key_once(
            answer,
            &mut seen,
            L::take_key(&mut item),
            (shape.item, shape.key),
        )?;
        items.push(listing.read(answer, key, item)?);
    }
    Ok(Counted {
        items,
        total,
        request_id: answer.request_id.clone(),
    })
}

/// A page's body as the documented JSON of its operation.
pub(crate) fn json_page<T: serde::de::DeserializeOwned>(answer: &Answer) -> Result<T, Failure> {
    serde_json::from_slice(&answer.body).map_err(|e| {
        Failure::bad_body(
            answer,
            format!("the body is not the documented JSON page: {e}"),
        )
    })
}

/// A page's reported total (`field`), checked: present, not negative, and
/// the page no longer than the `limit` asked (`noun` names its items).
pub(crate) fn total(
    answer: &Answer,
    field: &str,
    value: Option<i64>,
    (len, noun): (usize, &str),
    limit: u32,
) -> Result<u64, Failure> {
    let total = match value {
        Some(n) if n < 0 => {
            return Err(Failure::bad_data(
                answer,
                format!("{field} is negative ({n})"),
            ));
        }
        Some(n) => n as u64,
        None => {
            return Err(Failure::bad_data(
                answer,
                format!("the page has no {field}"),
            ));
        }
    };
    if len > limit as usize {
        return Err(Failure::bad_data(
            answer,
            format!("the page holds {len} {noun}, more than the limit of {limit}"),
        ));
    }
    Ok(total)
}

/// An item's key as a page gives it, checked: present, not blank, and not
/// twice in the page (`what` is the item, `field` the key's wire name).
pub(crate) fn key_once(
    answer: &Answer,
    seen: &mut HashSet<String>,
    key: Option<String>,
    (what, field): (&str, &str),
) -> Result<String, Failure> {
    let key = key
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| Failure::bad_data(answer, format!("a {what} has no {field}")))?;
    if !seen.insert(key.clone()) {
        return Err(Failure::bad_data(
            answer,
            format!("{what} {key} appears twice in one page"),
        ));
    }
    Ok(key)
}
