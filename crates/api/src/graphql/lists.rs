//! Nested lists as pages. A list inside an object (a property's entrances, a grant's
//! credentials, a resident's grants ...) keeps the plain list type the apps already select, and
//! takes `first` (how many, at most 500; each list's default is above what one object of its
//! kind holds in practice) and `after` (the id of the last item of the previous page). Its
//! complexity is its items' times `first`, so a request's complexity bounds what it can make
//! Doorway send however its lists nest. A page shorter than `first` is the last one.

use async_graphql::ID;
use uuid::Uuid;

use super::pagination::{checked_first, items_complexity};
use crate::error::ApiError;

/// The most items a nested list returns at once.
pub const MAX_ITEMS: i32 = 500;

/// Entrances of a property, an access group, a grant or a credential, unless asked otherwise.
pub const ENTRANCES: i32 = 100;
/// Access groups of a property.
pub const ACCESS_GROUPS: i32 = 100;
/// Credentials of a grant (one per lock of a smart-lock grant).
pub const CREDENTIALS: i32 = 50;
/// Grants of a resident, newest first.
pub const GRANTS: i32 = 20;
/// Runs of a grant, newest first.
pub const RUNS: i32 = 20;
/// Steps of a run.
pub const STEPS: i32 = 50;

/// The complexity of a nested list: one item's complexity times the items asked for (the
/// list's `default` when the query does not say).
pub fn complexity(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    items_complexity(first, default, MAX_ITEMS, child_complexity)
}

/// Which part of an ordered list a query asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPage {
    first: usize,
    after: Option<Uuid>,
}

impl ListPage {
    /// Checks `first` (the list's `default` when not given) and `after`, naming the argument
    /// at fault.
    pub fn new(first: Option<i32>, default: i32, after: Option<&ID>) -> Result<Self, ApiError> {
        let first = checked_first(first, default, MAX_ITEMS)?;
        let after = after
            .map(|id| {
                id.parse::<Uuid>()
                    .map_err(|_| ApiError::bad_input("after", "after: not an id"))
            })
            .transpose()?;
        Ok(Self {
            first: usize::try_from(first).unwrap_or(0),
            after,
        })
    }

    /// The page of `items` (in the list's order): those after the item `after` names, at most
    /// `first`. An `after` that names no item of the list is refused, naming it.
    pub fn of<T>(&self, items: Vec<T>, id: impl Fn(&T) -> Uuid) -> Result<Vec<T>, ApiError> {
        let start = match self.after {
            None => 0,
            Some(after) => {
                items
                    .iter()
                    .position(|item| id(item) == after)
                    .ok_or_else(|| {
                        ApiError::bad_input("after", "after: not an item of this list")
                    })?
                    + 1
            }
        };
        Ok(items.into_iter().skip(start).take(self.first).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn pages_follow_one_another_without_gaps_or_repeats() {
        let all = ids(7);
        let first = ListPage::new(Some(3), 100, None)
            .unwrap()
            .of(all.clone(), |u| *u);
        let first = first.unwrap();
        assert_eq!(first, all[..3]);
        let last = ID(first[2].to_string());
        let second = ListPage::new(Some(3), 100, Some(&last))
            .unwrap()
            .of(all.clone(), |u| *u)
            .unwrap();
        assert_eq!(second, all[3..6]);
        let last = ID(second[2].to_string());
        let third = ListPage::new(Some(3), 100, Some(&last))
            .unwrap()
            .of(all.clone(), |u| *u)
            .unwrap();
        assert_eq!(third, all[6..]);
    }

    #[test]
    fn bad_arguments_are_refused_naming_them() {
        assert!(ListPage::new(Some(MAX_ITEMS + 1), 100, None).is_err());
        assert!(ListPage::new(Some(-1), 100, None).is_err());
        assert!(ListPage::new(None, 100, Some(&ID("x".into()))).is_err());
        let stranger = ID(Uuid::now_v7().to_string());
        let page = ListPage::new(None, 100, Some(&stranger)).unwrap();
        assert!(page.of(ids(3), |u| *u).is_err());
    }

    #[test]
    fn complexity_grows_with_first() {
        assert_eq!(complexity(Some(10), 100, 3), 30);
        assert_eq!(complexity(None, 20, 2), 40);
        assert_eq!(complexity(Some(100_000), 100, 1), 500);
    }
}
