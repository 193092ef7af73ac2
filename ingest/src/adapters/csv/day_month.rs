//! A file written day-first under a month-first mapping (or the reverse), found from the
//! whole file before any row is mapped. Row by row only the cells whose day is past the 12th
//! fail (`25/03/2024` under `%m/%d/%Y`); every cell up to the 12th reads, on the wrong date
//! (`03/04/2024`, April 3rd, as March 4th), and the file's rejects looked like a few bad rows
//! while most of its sales landed in the wrong month. So the date columns read with a numeric
//! day-and-month form are watched as the rows are read: a cell that only the form with day
//! and month swapped reads refuses the file, naming the column, the row, the cell and the
//! `date_format` to set (or, when other cells read only as mapped, both orders). Cells both
//! orders read (days up to the 12th) say nothing and follow the mapping; cells neither
//! reads (`32/13/2024`) stay rejects of their rows, as before.

use super::cells::{Col, Cols, Row};
use super::serial::Serial;
use super::{Mapping, OneOrMore};
use crate::adapters::PayloadError;
use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::Datelike;

/// Which of day and month a form writes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    DayFirst,
    MonthFirst,
}

impl Order {
    fn words(self) -> &'static str {
        match self {
            Order::DayFirst => "the day first",
            Order::MonthFirst => "the month first",
        }
    }

    fn other(self) -> Order {
        match self {
            Order::DayFirst => Order::MonthFirst,
            Order::MonthFirst => Order::DayFirst,
        }
    }
}

/// A chrono form read into items once, so that a cell costs a parse and no allocation.
struct Form {
    text: String,
    items: Vec<Item<'static>>,
}

impl Form {
    fn new(text: &str) -> Option<Form> {
        let items = StrftimeItems::new(text).parse_to_owned().ok()?;
        Some(Form {
            text: text.to_string(),
            items,
        })
    }

    /// Whether `cell` reads in this form as the adapter reads it: a date (`date` column) or a
    /// date-time (`datetime`), with a four-digit year (see `dates::whole_year`).
    fn reads(&self, cell: &str, with_time: bool) -> bool {
        let mut p = Parsed::new();
        if parse(&mut p, cell, self.items.iter()).is_err() {
            return false;
        }
        let year = match with_time {
            true => p.to_naive_datetime_with_offset(0).map(|t| t.year()),
            false => p.to_naive_date().map(|d| d.year()),
        };
        year.is_ok_and(|y| y >= 1000)
    }
}

/// The forms of one `date_format` or `datetime_format` key, as mapped and with day and
/// month swapped.
struct Forms {
    key: &'static str,
    /// The mapping's chrono forms, all of them (any that reads a cell reads it as mapped).
    mapped: Vec<Form>,
    /// Of `mapped`, those with a numeric day and month: the cells they read and their swaps
    /// do not tell the order.
    numeric: Vec<Form>,
    /// `numeric` with day and month swapped.
    swapped: Vec<Form>,
    /// The order `numeric` writes (one for all: see [`Forms::of`]).
    order: Order,
    /// The key's value with each numeric form swapped, as the fix to write.
    fix: String,
}

impl Forms {
    /// The forms to watch a column with, or `None` when the key has no numeric day-and-month
    /// chrono form, or forms of both orders (`%d/%m/%Y` beside `%Y-%m-%d`): with both, no
    /// swap of the list would be the file's form.
    fn of(key: &'static str, formats: &OneOrMore) -> Option<Forms> {
        let names: Vec<&str> = formats
            .names()
            .into_iter()
            .filter(|f| Serial::of(f).is_none())
            .collect();
        let mut order = None;
        let (mut numeric, mut swapped) = (Vec::new(), Vec::new());
        for f in &names {
            let Some((o, swap)) = swapped_form(f) else {
                continue;
            };
            if order.is_some_and(|seen| seen != o) {
                return None;
            }
            order = Some(o);
            numeric.push(Form::new(f)?);
            swapped.push(Form::new(&swap)?);
        }
        let fix = match formats {
            OneOrMore::One(f) => quoted(&swapped_form(f).map_or(f.clone(), |s| s.1)),
            OneOrMore::More(list) => {
                let each: Vec<String> = list
                    .iter()
                    .map(|f| quoted(&swapped_form(f).map_or(f.clone(), |s| s.1)))
                    .collect();
                format!("[{}]", each.join(", "))
            }
        };
        Some(Forms {
            key,
            mapped: names.iter().map(|f| Form::new(f)).collect::<Option<_>>()?,
            numeric,
            swapped,
            order: order?,
            fix,
        })
    }

    /// What a cell says of the order: read only as mapped (asked only `want_mapped`), only
    /// swapped (then which swapped form read it), or nothing. Most cells take two parses.
    fn tell(&self, cell: &str, with_time: bool, want_mapped: bool) -> Tells {
        match self.swapped.iter().position(|f| f.reads(cell, with_time)) {
            Some(_) if self.mapped.iter().any(|f| f.reads(cell, with_time)) => Tells::Nothing,
            Some(i) => Tells::Swapped(i),
            None if want_mapped => self
                .numeric
                .iter()
                .position(|f| f.reads(cell, with_time))
                .map_or(Tells::Nothing, Tells::Mapped),
            None => Tells::Nothing,
        }
    }

    /// `%m/%d/%Y`, or `%m/%d/%y or %m/%d/%Y` for a list.
    fn mapped_text(&self) -> String {
        let names: Vec<&str> = self.mapped.iter().map(|f| f.text.as_str()).collect();
        names.join(" or ")
    }
}

fn quoted(f: &str) -> String {
    format!("\"{f}\"")
}

enum Tells {
    /// Read by the mapped numeric form `i` and by no swapped one.
    Mapped(usize),
    /// Read by the swapped form `i` and by no mapped one.
    Swapped(usize),
    Nothing,
}

/// A cell that told the order: its row, the cell, and the form that read it.
struct Seen {
    no: usize,
    cell: String,
    form: usize,
}

/// One watched column.
struct Watch {
    col: Col,
    with_time: bool,
    forms: std::rc::Rc<Forms>,
    only_mapped: Option<Seen>,
    only_swapped: Option<Seen>,
}

/// The date columns of a file watched for a day/month order other than the mapping's.
pub(super) struct DayMonth {
    watches: Vec<Watch>,
}

impl DayMonth {
    /// Watches the `date` and `business_date` columns (`date_format`) and the `datetime`
    /// column (`datetime_format`) that the file has and a numeric day-and-month form reads.
    pub(super) fn new(m: &Mapping, cols: &Cols) -> DayMonth {
        let dates = Forms::of("date_format", &m.date_format).map(std::rc::Rc::new);
        let times = m
            .datetime_format
            .as_ref()
            .and_then(|f| Forms::of("datetime_format", f))
            .map(std::rc::Rc::new);
        let columns = [
            (&cols.date, &dates, false),
            (&cols.business_date, &dates, false),
            (&cols.datetime, &times, true),
        ];
        let watches = columns
            .into_iter()
            .filter_map(|(col, forms, with_time)| {
                Some(Watch {
                    col: col.clone()?,
                    with_time,
                    forms: forms.clone()?,
                    only_mapped: None,
                    only_swapped: None,
                })
            })
            .collect();
        DayMonth { watches }
    }

    /// Reads the row's watched cells; `no` gives its line in the file, asked only for the
    /// first cell of each column that tells an order.
    pub(super) fn see(&mut self, row: &Row, no: impl Fn() -> usize) {
        for w in &mut self.watches {
            if w.only_swapped.is_some() && w.only_mapped.is_some() {
                continue;
            }
            let Some(cell) = row.cell(&w.col) else {
                continue;
            };
            let slot = match w.forms.tell(cell, w.with_time, w.only_mapped.is_none()) {
                Tells::Mapped(form) => w.only_mapped.is_none().then_some((true, form)),
                Tells::Swapped(form) => w.only_swapped.is_none().then_some((false, form)),
                Tells::Nothing => None,
            };
            if let Some((mapped, form)) = slot {
                let seen = Some(Seen {
                    no: no(),
                    cell: cell.to_string(),
                    form,
                });
                match mapped {
                    true => w.only_mapped = seen,
                    false => w.only_swapped = seen,
                }
            }
        }
    }

    /// Whether the file is refused already: a cell reads only with day and month swapped.
    /// The rest of the file can only change which message says so.
    pub(super) fn refused(&self) -> bool {
        self.watches.iter().any(|w| w.only_swapped.is_some())
    }

    /// Whether the message is settled too: a column has cells of both orders.
    pub(super) fn settled(&self) -> bool {
        self.watches
            .iter()
            .any(|w| w.only_swapped.is_some() && w.only_mapped.is_some())
    }

    /// The refusal of the first column with a cell only the swapped forms read.
    pub(super) fn verdict(&self) -> Result<(), PayloadError> {
        let Some(w) = self.watches.iter().find(|w| w.only_swapped.is_some()) else {
            return Ok(());
        };
        let swapped = w.only_swapped.as_ref().expect("found with one");
        let message = match &w.only_mapped {
            None => other_order(w, swapped),
            Some(mapped) => both_orders(w, swapped, mapped),
        };
        Err(PayloadError::new(Some(&w.col.name), message))
    }
}

/// The file writes the other order throughout (as far as its cells tell).
fn other_order(w: &Watch, s: &Seen) -> String {
    let f = &w.forms;
    format!(
        "column \"{}\": row {} has \"{}\", which is not {} but reads as {}; this file writes \
         {}: set {} = {} in the mapping",
        w.col.name,
        s.no,
        s.cell,
        f.mapped_text(),
        f.swapped[s.form].text,
        f.order.other().words(),
        f.key,
        f.fix
    )
}

/// Some cells read only as mapped, others only swapped: no one form reads the file.
fn both_orders(w: &Watch, s: &Seen, m: &Seen) -> String {
    let f = &w.forms;
    format!(
        "column \"{}\" writes dates in both orders: row {} has \"{}\", which reads only as {} \
         ({}), and row {} has \"{}\", which reads only as {} ({}); no {} reads both, and \
         dates up to the 12th cannot be told apart: correct the file's dates (or split the \
         file by order) and import it again",
        w.col.name,
        s.no,
        s.cell,
        f.swapped[s.form].text,
        f.order.other().words(),
        m.no,
        m.cell,
        f.numeric[m.form].text,
        f.order.words(),
        f.key
    )
}

/// One piece of a chrono format: a literal character, or a specifier (`%`, its padding flag
/// or modifiers, its letter).
enum Piece {
    Literal(char),
    Spec(String, char),
}

/// The pieces of `f`, with `%D` / `%x` (`%m/%d/%y`) and `%F` (`%Y-%m-%d`) written out, as
/// chrono reads them.
fn pieces(f: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(Piece::Literal(c));
            continue;
        }
        let mut flags = String::new();
        let letter = loop {
            match chars.next() {
                Some(ch) if "-_0.:#".contains(ch) || ch.is_ascii_digit() => flags.push(ch),
                other => break other,
            }
        };
        let Some(letter) = letter else {
            out.push(Piece::Spec(flags, '%'));
            break;
        };
        match letter {
            'D' | 'x' => out.extend(pieces("%m/%d/%y")),
            'F' => out.extend(pieces("%Y-%m-%d")),
            _ => out.push(Piece::Spec(flags, letter)),
        }
    }
    out
}

/// The order of a form with a numeric day (`%d`, `%e`, padded or not) and a numeric month
/// (`%m`) and no month name (`%b`, `%B`, `%h`, `%c`), and the form with the two swapped
/// (separators, year and time as they are); `None` for any other form, and for a form that
/// writes the year first (`%Y-%m-%d`): no export writes year, day, month, so a swapped ISO
/// form would only take a typo (`2024-13-05`) for a sign of it and refuse a whole file that a
/// row reject fits.
fn swapped_form(f: &str) -> Option<(Order, String)> {
    let pieces = pieces(f);
    let mut order = None;
    let (mut day, mut month) = (false, false);
    let mut out = String::with_capacity(f.len());
    for p in &pieces {
        match p {
            Piece::Literal(c) => out.push(*c),
            Piece::Spec(_, 'b' | 'B' | 'h' | 'c') => return None,
            Piece::Spec(_, 'Y' | 'y' | 'C' | 'G' | 'g') if order.is_none() => return None,
            Piece::Spec(flags, 'd') => {
                day = true;
                order.get_or_insert(Order::DayFirst);
                out.push_str(&format!("%{flags}m"));
            }
            Piece::Spec(flags, 'e') => {
                day = true;
                order.get_or_insert(Order::DayFirst);
                let flags = if flags.is_empty() { "_" } else { flags };
                out.push_str(&format!("%{flags}m"));
            }
            Piece::Spec(flags, 'm') => {
                month = true;
                order.get_or_insert(Order::MonthFirst);
                out.push_str(&format!("%{flags}d"));
            }
            Piece::Spec(flags, letter) => out.push_str(&format!("%{flags}{letter}")),
        }
    }
    (day && month).then_some(())?;
    Some((order?, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_swapped_keeping_separators_padding_year_and_time() {
        let swap = swapped_form;
        assert_eq!(
            swap("%m/%d/%Y"),
            Some((Order::MonthFirst, "%d/%m/%Y".into()))
        );
        assert_eq!(
            swap("%d.%m.%Y %H:%M"),
            Some((Order::DayFirst, "%m.%d.%Y %H:%M".into()))
        );
        assert_eq!(
            swap("%-m/%-d/%y %I:%M %p"),
            Some((Order::MonthFirst, "%-d/%-m/%y %I:%M %p".into()))
        );
        assert_eq!(swap("%D"), Some((Order::MonthFirst, "%d/%m/%y".into())));
        assert_eq!(
            swap("%m-%d-%Y %T%.3f %:z"),
            Some((Order::MonthFirst, "%d-%m-%Y %T%.3f %:z".into()))
        );
        // Year first: ISO, never written year-day-month.
        assert_eq!(swap("%F %T"), None);
        assert_eq!(swap("%Y/%m/%d"), None);
        assert_eq!(
            swap("%e/%m/%Y"),
            Some((Order::DayFirst, "%_m/%d/%Y".into()))
        );
        for other in ["%d %b %Y", "%Y-%j", "%m/%Y", "100%% %d/%m/%Y %B", "excel"] {
            assert_eq!(swap(other), None, "{other}");
        }
        assert_eq!(
            swap("%d%%%m/%Y"),
            Some((Order::DayFirst, "%m%%%d/%Y".into()))
        );
    }

    #[test]
    fn a_list_of_both_orders_is_not_watched() {
        let list = |v: &[&str]| OneOrMore::More(v.iter().map(|s| s.to_string()).collect());
        assert!(Forms::of("date_format", &list(&["%d/%m/%Y", "%m-%d-%Y"])).is_none());
        assert!(Forms::of("date_format", &list(&["%d %b %Y", "excel"])).is_none());
        assert!(Forms::of("date_format", &list(&["%Y-%m-%d"])).is_none());
        // An ISO form beside a day-first one is read as mapped and not swapped.
        let f = Forms::of("date_format", &list(&["%d/%m/%Y", "%Y-%m-%d"])).unwrap();
        assert_eq!(f.fix, "[\"%m/%d/%Y\", \"%Y-%m-%d\"]");
        let f = Forms::of("date_format", &list(&["%m/%d/%y", "%m/%d/%Y", "excel"])).unwrap();
        assert_eq!(f.fix, "[\"%d/%m/%y\", \"%d/%m/%Y\", \"excel\"]");
        assert_eq!(f.order, Order::MonthFirst);
    }
}
