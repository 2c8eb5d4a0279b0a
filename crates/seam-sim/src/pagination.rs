//! Seam's cursor pagination: `limit` and an opaque `page_cursor` in, `pagination:
//! {next_page_cursor, has_next_page, next_page_url}` out.
//!
//! Cursors are keyset positions (the creation sequence of the last item served), so objects
//! created or deleted between pages neither repeat nor vanish. A cursor also carries a digest
//! of the request's other parameters and is refused with different filters, as Seam refuses
//! mismatched page parameters.

use serde_json::{json, Value};

use crate::input::{self, Input};

/// The paging part of a list request.
#[derive(Debug, Clone)]
pub(crate) struct PageRequest {
    limit: usize,
    after: Option<u64>,
    fingerprint: u64,
    next_url_base: Option<String>,
}

/// One page of items and the `pagination` object that goes with it.
pub(crate) struct Page<'a, T> {
    pub(crate) items: Vec<&'a T>,
    pub(crate) pagination: Value,
}

impl PageRequest {
    /// Reads `limit` (a positive number, `default_limit` when absent) and `page_cursor`.
    pub(crate) fn read(input: &mut Input, default_limit: usize) -> Self {
        let fingerprint = input.fingerprint(&["limit", "page_cursor"]);
        let limit = match input.optional("limit", input::number) {
            Some(limit) if limit > 0.0 => limit.floor().max(1.0) as usize,
            Some(_) => {
                input.issue("limit", "Number must be greater than 0");
                default_limit
            }
            None => default_limit,
        };
        let after = input
            .nullable("page_cursor", input::string)
            .and_then(|cursor| match decode(&cursor) {
                Some((seq, digest)) if digest == fingerprint => Some(seq),
                Some(_) => {
                    input.issue(
                        "page_cursor",
                        "page_cursor was issued for a request with different parameters",
                    );
                    None
                }
                None => {
                    input.issue("page_cursor", "Invalid page cursor");
                    None
                }
            });
        let meta = input.meta();
        let next_url_base = meta
            .origin
            .as_ref()
            .map(|origin| format!("{origin}{}", meta.path));
        Self {
            limit,
            after,
            fingerprint,
            next_url_base,
        }
    }

    /// Takes the page that follows the cursor from `items`, which must be in creation order;
    /// `seq` gives each item's creation sequence.
    pub(crate) fn page<'a, T: 'a>(
        &self,
        items: impl IntoIterator<Item = &'a T>,
        seq: impl Fn(&T) -> u64,
    ) -> Page<'a, T> {
        let mut items: Vec<&T> = items
            .into_iter()
            .filter(|item| self.after.is_none_or(|after| seq(item) > after))
            .take(self.limit.saturating_add(1))
            .collect();
        let has_next_page = items.len() > self.limit;
        items.truncate(self.limit);
        let next_page_cursor = match items.last() {
            Some(last) if has_next_page => Some(encode(seq(last), self.fingerprint)),
            _ => None,
        };
        let next_page_url = match (&next_page_cursor, &self.next_url_base) {
            (Some(cursor), Some(base)) => Some(format!("{base}?page_cursor={cursor}")),
            _ => None,
        };
        Page {
            items,
            pagination: json!({
                "has_next_page": has_next_page,
                "next_page_cursor": next_page_cursor,
                "next_page_url": next_page_url,
            }),
        }
    }
}

fn encode(seq: u64, fingerprint: u64) -> String {
    format!("{seq}.{fingerprint:x}")
        .bytes()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn decode(cursor: &str) -> Option<(u64, u64)> {
    let bytes = cursor
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            let hex = std::str::from_utf8(pair)
                .ok()
                .filter(|hex| hex.len() == 2)?;
            u8::from_str_radix(hex, 16).ok()
        })
        .collect::<Option<Vec<u8>>>()?;
    let text = String::from_utf8(bytes).ok()?;
    let (seq, fingerprint) = text.split_once('.')?;
    Some((
        seq.parse().ok()?,
        u64::from_str_radix(fingerprint, 16).ok()?,
    ))
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::input::RequestMeta;

    fn request(body: Value) -> (PageRequest, Result<(), crate::SimError>) {
        let meta = RequestMeta {
            path: "/acs/users/list".to_owned(),
            origin: Some("http://sim".to_owned()),
        };
        let mut input = Input::parse(body.to_string().as_bytes(), meta).unwrap();
        let page = PageRequest::read(&mut input, 500);
        (page, input.finish())
    }

    #[test]
    fn walks_every_item_once() {
        let items: Vec<u64> = (1..=5).collect();
        let (first, _) = request(json!({ "limit": 2 }));
        let page = first.page(&items, |n| *n);
        assert_eq!(page.items, [&1, &2]);
        assert_eq!(page.pagination["has_next_page"], true);
        let cursor = page.pagination["next_page_cursor"].as_str().unwrap();
        assert!(page.pagination["next_page_url"]
            .as_str()
            .unwrap()
            .starts_with("http://sim/acs/users/list?page_cursor="));

        let (second, ok) = request(json!({ "limit": 3, "page_cursor": cursor }));
        ok.unwrap();
        let page = second.page(&items, |n| *n);
        assert_eq!(page.items, [&3, &4, &5]);
        assert_eq!(page.pagination["has_next_page"], false);
        assert_eq!(page.pagination["next_page_cursor"], Value::Null);
        assert_eq!(page.pagination["next_page_url"], Value::Null);
    }

    #[test]
    fn refuses_garbage_and_cursors_from_other_filters() {
        let (_, garbage) = request(json!({ "page_cursor": "zz" }));
        assert!(garbage.is_err());
        let (first, _) = request(json!({ "limit": 1, "acs_system_id": "a" }));
        let page = first.page(&[1u64, 2], |n| *n);
        let cursor = page.pagination["next_page_cursor"].clone();
        let (_, mismatched) = request(json!({ "page_cursor": cursor, "acs_system_id": "b" }));
        assert!(mismatched.is_err());
    }

    #[test]
    fn refuses_a_non_positive_limit() {
        let (_, zero) = request(json!({ "limit": 0 }));
        assert!(zero.is_err());
    }
}
