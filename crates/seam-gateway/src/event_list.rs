//! `/events/list` without silent cuts. Seam does not paginate it: it returns at most `limit`
//! events (500 unless asked otherwise) and says nothing when there were more. So the gateway
//! asks for one more than the caller's limit: receiving it proves the list was cut, which
//! [`EventList::truncated`] reports instead of a short list that looks whole.
//!
//! What to do about a cut list is the caller's choice; [`WorkspaceClient::list_all_events`]
//! makes one: it halves the time window until every half fits, so that a caller that needs
//! every event of a window (a poller catching up on missed webhooks) gets them all.

use std::collections::HashSet;
use std::ops::Deref;

use chrono::{DateTime, TimeDelta, Utc};

use crate::client::WorkspaceClient;
use crate::error::SeamError;
use crate::models::Event;
use crate::requests::EventFilter;

/// Seam's `limit` when none is given.
pub const DEFAULT_EVENT_LIMIT: u32 = 500;

/// The events one `/events/list` call returned, and whether Seam had more matching the filter.
/// Reads as a slice of events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventList {
    pub events: Vec<Event>,
    /// More events matched than the limit allowed: `events` is not the whole list. Narrow the
    /// window (or the filter) and ask again, or use `list_all_events`.
    pub truncated: bool,
}

impl Deref for EventList {
    type Target = [Event];

    fn deref(&self) -> &[Event] {
        &self.events
    }
}

impl IntoIterator for EventList {
    type Item = Event;
    type IntoIter = std::vec::IntoIter<Event>;

    fn into_iter(self) -> Self::IntoIter {
        self.events.into_iter()
    }
}

impl EventList {
    /// Up to `limit` of the events Seam answered a request for `limit + 1` with.
    pub(crate) fn cut(mut events: Vec<Event>, limit: u32) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let truncated = events.len() > limit;
        events.truncate(limit);
        Self { events, truncated }
    }
}

/// The overlap given to the two halves of a split window. Seam's `between` is exclusive at both
/// ends, so halves that met at one instant would both leave out an event at that instant.
const OVERLAP: TimeDelta = TimeDelta::milliseconds(1);

impl WorkspaceClient {
    /// Every event from `from` to `to` (exclusive) matching `filter` (whose own `since` and
    /// `between` are replaced), however many there are: a window Seam cuts short is split in
    /// two, each half fetched the same way. Events come back oldest first, each once.
    ///
    /// Fails with `SeamError::Config` when more than the filter's limit of events fall within
    /// 2 ms, since no window is narrow enough then; raise `limit`.
    pub async fn list_all_events(
        &self,
        filter: &EventFilter,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Event>, SeamError> {
        let mut windows = vec![(from, to)];
        let mut seen = HashSet::new();
        let mut events = Vec::new();
        while let Some((start, end)) = windows.pop() {
            let window = EventFilter {
                since: None,
                between: Some((start, end)),
                ..filter.clone()
            };
            let list = self.list_events(&window).await?;
            if list.truncated {
                let half = (end - start) / 2;
                if half <= OVERLAP {
                    let limit = filter.limit.unwrap_or(DEFAULT_EVENT_LIMIT);
                    return Err(SeamError::Config(format!(
                        "more than {limit} events within {:?} from {start}; raise the limit",
                        (end - start).to_std().unwrap_or_default()
                    )));
                }
                let middle = start + half;
                windows.push((middle - OVERLAP, end));
                windows.push((start, middle + OVERLAP));
                continue;
            }
            let new = list.events.into_iter();
            events.extend(new.filter(|event| seen.insert(event.event_id.clone())));
        }
        events.sort_by(|a, b| (a.occurred_at, &a.event_id).cmp(&(b.occurred_at, &b.event_id)));
        Ok(events)
    }
}

#[cfg(test)]
#[path = "event_list_tests.rs"]
mod tests;
