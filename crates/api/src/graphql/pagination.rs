//! Cursor pagination: opaque cursors over (created_at, id), and the bounds on page sizes.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::OutputType;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;

pub const MAX_PAGE: i32 = 100;

/// A position in a list ordered by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(created_at: DateTime<Utc>, id: impl Into<Uuid>) -> Self {
        Self {
            created_at,
            id: id.into(),
        }
    }

    pub fn key(self) -> (DateTime<Utc>, Uuid) {
        (self.created_at, self.id)
    }
}

impl CursorType for Cursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| "malformed cursor")?;
        let text = String::from_utf8(bytes).map_err(|_| "malformed cursor")?;
        let (micros, id) = text.split_once('/').ok_or("malformed cursor")?;
        let micros: i64 = micros.parse().map_err(|_| "malformed cursor")?;
        Ok(Self {
            created_at: DateTime::from_timestamp_micros(micros).ok_or("malformed cursor")?,
            id: id.parse().map_err(|_| "malformed cursor")?,
        })
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}/{}",
            self.created_at.timestamp_micros(),
            self.id
        ))
    }
}

/// The complexity of a page: what one item costs, times the items asked for (`first`), so that
/// a request's complexity bounds the rows it can make the database return.
pub fn page_complexity(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    items_complexity(first, default, MAX_PAGE, child_complexity)
}

/// What `first` items (`default` when not given, at most `max`) of `child_complexity` each
/// cost; connections and nested lists ([`super::lists`]) alike.
pub fn items_complexity(
    first: Option<i32>,
    default: i32,
    max: i32,
    child_complexity: usize,
) -> usize {
    let items = first.unwrap_or(default).clamp(1, max);
    usize::try_from(items)
        .unwrap_or(1)
        .saturating_mul(child_complexity.max(1))
}

/// `first` (`default` when not given) if it lies between 0 and `max`; otherwise
/// `BAD_USER_INPUT` naming it.
pub fn checked_first(first: Option<i32>, default: i32, max: i32) -> Result<i32, ApiError> {
    let first = first.unwrap_or(default);
    if (0..=max).contains(&first) {
        Ok(first)
    } else {
        Err(ApiError::bad_input(
            "first",
            format!("first: must be between 0 and {max}"),
        ))
    }
}

/// Checks `first` and decodes `after`; asks for one extra row to know whether a next page exists.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    default: i32,
) -> Result<(i64, Option<Cursor>), ApiError> {
    let first = checked_first(first, default, MAX_PAGE)?;
    let after = after
        .map(|raw| {
            Cursor::decode_cursor(&raw)
                .map_err(|e| ApiError::bad_input("after", format!("after: {e}")))
        })
        .transpose()?;
    Ok((i64::from(first) + 1, after))
}

/// The `totalCount` of a connection.
#[derive(async_graphql::SimpleObject)]
pub struct Totals {
    pub total_count: i64,
}

/// A connection from a fetched page (one row over the limit, to know whether more follow).
pub fn connection<R, N: OutputType>(
    mut rows: Vec<R>,
    limit_plus_one: i64,
    after: Option<Cursor>,
    total_count: i64,
    cursor: impl Fn(&R) -> Cursor,
    node: impl Fn(R) -> N,
) -> Connection<Cursor, N, Totals> {
    let limit = usize::try_from(limit_plus_one - 1).unwrap_or(0);
    let has_next = rows.len() > limit;
    rows.truncate(limit);
    let mut connection =
        Connection::with_additional_fields(after.is_some(), has_next, Totals { total_count });
    connection.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(cursor(&row), node(row))),
    );
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor::new(Utc::now(), Uuid::now_v7());
        let decoded = Cursor::decode_cursor(&cursor.encode_cursor()).unwrap();
        assert_eq!(decoded.id, cursor.id);
        assert_eq!(
            decoded.created_at.timestamp_micros(),
            cursor.created_at.timestamp_micros()
        );
        assert!(Cursor::decode_cursor("not-a-cursor").is_err());
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert!(page_args(Some(101), None, 20).is_err());
        assert!(page_args(Some(-1), None, 20).is_err());
        assert_eq!(page_args(None, None, 20).unwrap().0, 21);
    }
}
