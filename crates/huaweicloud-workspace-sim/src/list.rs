//! The one way every list operation answers: its items in their default
//! order, kept by its filter, sorted when asked, then one page of them and
//! the total. An operation brings its items (a type that is [`Listed`]), its
//! filter (a [`Filter`] of those items) and its paging bounds ([`Paging`]);
//! the paging, the sort and the count are the same code for all.

/// An item of a list operation.
pub(crate) trait Listed {
    /// The `sort_field` values the operation accepts, in the order its
    /// error message lists them; empty for a list that does not sort.
    const SORT_FIELDS: &'static [&'static str] = &[];

    /// The item's value for one of [`Listed::SORT_FIELDS`]; lists that do
    /// not sort keep the default, which is never asked.
    fn sort_key(&self, field: &str) -> u64 {
        let _ = field;
        0
    }
}

/// Which items of a list a request keeps.
pub(crate) trait Filter<T> {
    /// Whether `item` is in the answer (and counts in its total).
    fn keep(&self, item: &T) -> bool;
}

/// No filter: every item is kept (an operation whose items are already
/// the matching ones).
pub(crate) struct All;

impl<T> Filter<T> for All {
    fn keep(&self, _: &T) -> bool {
        true
    }
}

/// A sort asked for: one of the item's [`Listed::SORT_FIELDS`], and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sort {
    pub field: &'static str,
    pub ascending: bool,
}

/// Where a page starts and how many items it holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub offset: usize,
    pub limit: usize,
}

/// An operation's bounds of `offset` and `limit`, and the `limit` when none is given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub max_offset: i64,
    pub min_limit: i64,
    pub max_limit: i64,
    pub default_limit: i64,
}

impl Paging {
    /// Checks `offset`, then `limit`, with `int(name, min, max)`: the
    /// request's own reader of an optional bounded integer, which words
    /// the error (a query string and a JSON body quote the value apart).
    pub(crate) fn window(
        &self,
        mut int: impl FnMut(&str, i64, i64) -> Result<Option<i64>, String>,
    ) -> Result<Window, String> {
        let offset = int("offset", 0, self.max_offset)?.unwrap_or(0);
        let limit = int("limit", self.min_limit, self.max_limit)?.unwrap_or(self.default_limit);
        Ok(Window {
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: usize::try_from(limit).unwrap_or(0),
        })
    }
}

/// The total of the items `filter` keeps, and the page of them `window`
/// asks for; sorted first when `sort` is given (stably: equal values keep
/// the default order in both directions).
pub(crate) fn page<T: Listed>(
    items: impl IntoIterator<Item = T>,
    filter: &impl Filter<T>,
    sort: Option<Sort>,
    window: Window,
) -> (usize, Vec<T>) {
    let kept = items.into_iter().filter(|item| filter.keep(item));
    let Some(sort) = sort else {
        // Unsorted, only the page is held: a list of the whole fleet is
        // counted, not kept.
        let mut total = 0usize;
        let mut page = Vec::new();
        for item in kept {
            if total >= window.offset && page.len() < window.limit {
                page.push(item);
            }
            total += 1;
        }
        return (total, page);
    };
    let mut all: Vec<T> = kept.collect();
    all.sort_by(|a, b| {
        let (x, y) = (a.sort_key(sort.field), b.sort_key(sort.field));
        if sort.ascending { x.cmp(&y) } else { y.cmp(&x) }
    });
    let total = all.len();
    let page = all
        .into_iter()
        .skip(window.offset)
        .take(window.limit)
        .collect();
    (total, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (value, position in the default order).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Item(u64, usize);

    impl Listed for Item {
        const SORT_FIELDS: &'static [&'static str] = &["value"];
        fn sort_key(&self, _: &str) -> u64 {
            self.0
        }
    }

    struct Even;

    impl Filter<Item> for Even {
        fn keep(&self, item: &Item) -> bool {
            item.0.is_multiple_of(2)
        }
    }

    fn items(values: &[u64]) -> Vec<Item> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| Item(v, i))
            .collect()
    }

    fn w(offset: usize, limit: usize) -> Window {
        Window { offset, limit }
    }

    #[test]
    fn pages_count_every_kept_item() {
        let all = items(&[4, 1, 2, 6, 3, 8]);
        let (total, page) = page(all.clone(), &Even, None, w(1, 2));
        assert_eq!(total, 4);
        assert_eq!(page, vec![Item(2, 2), Item(6, 3)]);
        // Past the end: the total, and nothing.
        assert_eq!(page_of(&all, w(4, 10)), (4, vec![]));
        assert_eq!(page_of(&all, w(usize::MAX, 10)), (4, vec![]));
        // A limit of 0 counts without listing; a large one stops at the end.
        assert_eq!(page_of(&all, w(0, 0)), (4, vec![]));
        assert_eq!(page_of(&all, w(3, usize::MAX)).1, vec![Item(8, 5)]);
    }

    fn page_of(all: &[Item], window: Window) -> (usize, Vec<Item>) {
        page(all.to_vec(), &Even, None, window)
    }

    #[test]
    fn sorting_is_stable_both_ways_and_pages_after() {
        let all = items(&[2, 0, 2, 4, 0]);
        let asc = Sort {
            field: "value",
            ascending: true,
        };
        let (total, got) = page(all.clone(), &All, Some(asc), w(0, 10));
        assert_eq!(total, 5);
        assert_eq!(
            got,
            vec![Item(0, 1), Item(0, 4), Item(2, 0), Item(2, 2), Item(4, 3)]
        );
        let desc = Sort {
            ascending: false,
            ..asc
        };
        let (_, got) = page(all.clone(), &All, Some(desc), w(1, 3));
        assert_eq!(got, vec![Item(2, 0), Item(2, 2), Item(0, 1)]);
        assert_eq!(page(all, &Even, Some(desc), w(9, 3)), (5, vec![]));
    }

    #[test]
    fn paging_checks_offset_then_limit_against_its_bounds() {
        let paging = Paging {
            max_offset: 50,
            min_limit: 1,
            max_limit: 20,
            default_limit: 10,
        };
        let mut asked = Vec::new();
        let got = paging.window(|name, min, max| {
            asked.push((name.to_string(), min, max));
            Ok(None)
        });
        assert_eq!(got, Ok(w(0, 10)));
        assert_eq!(
            asked,
            vec![("offset".to_string(), 0, 50), ("limit".to_string(), 1, 20)]
        );
        let given = paging.window(|name, _, _| Ok(Some(if name == "offset" { 7 } else { 3 })));
        assert_eq!(given, Ok(w(7, 3)));
        // The first error is the answer: offset before limit.
        let err = paging.window(|name, _, _| Err(format!("bad {name}")));
        assert_eq!(err, Err("bad offset".to_string()));
    }
}
