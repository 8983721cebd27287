//! The emitter on desktops made by hand: order, holds, and what each format writes.

use super::*;
use chrono::NaiveDate;
use huaweicloud_workspace::{Period, PeriodUsage};

fn desktop(id: &str, user: Option<&str>, hours: &[u64]) -> DesktopUsage {
    DesktopUsage {
        reassignments: Vec::new(),
        desktop_id: id.into(),
        username: user.map(Into::into),
        periods: hours
            .iter()
            .enumerate()
            .map(|(i, &h)| {
                let day = NaiveDate::from_ymd_opt(2024, 1, i as u32 + 1).unwrap();
                PeriodUsage {
                    period: Period::Day(day),
                    hours: Hours::from_hundredths(h),
                }
            })
            .collect(),
    }
}

fn emit(kind: Kind, format: Format) -> String {
    let mut e = Emitter::new(kind, format, "caption".into(), Vec::new());
    // Out of order on purpose: everything but ndjson is sorted by id.
    e.push(desktop("d2", None, &[0, 0])).unwrap();
    e.push(desktop("d1", Some("ann"), &[150, 25])).unwrap();
    e.push(desktop("d3", Some("ann"), &[0, 10])).unwrap();
    String::from_utf8(e.finish().unwrap()).unwrap()
}

#[test]
fn report_csv_is_sorted_by_desktop_then_period() {
    assert_eq!(
        emit(Kind::Report, Format::Csv),
        "desktop_id,computer_name,desktop_username,date,hours\n\
         d1,,ann,2024-01-01,1.50\nd1,,ann,2024-01-02,0.25\n\
         d2,,,2024-01-01,0.00\nd2,,,2024-01-02,0.00\n\
         d3,,ann,2024-01-01,0.00\nd3,,ann,2024-01-02,0.10\n"
    );
}

#[test]
fn report_ndjson_streams_in_arrival_order() {
    let out = emit(Kind::Report, Format::Ndjson);
    let ids: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["desktop_id"].to_string())
        .collect();
    assert_eq!(
        ids,
        ["\"d2\"", "\"d2\"", "\"d1\"", "\"d1\"", "\"d3\"", "\"d3\""]
    );
}

/// A destination the test can read while the emitter still holds it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

#[test]
fn csv_and_json_stream_when_desktops_arrive_by_id_and_wait_otherwise() {
    for (format, first_rows) in [
        (
            Format::Csv,
            "desktop_id,computer_name,desktop_username,date,hours\nd1,,ann,2024-01-01,1.50\nd1,,ann,2024-01-02,0.25\n",
        ),
        (
            Format::Json,
            "[\n  {\"desktop_id\":\"d1\",\"computer_name\":null,\"desktop_username\":\"ann\",\"date\":\"2024-01-01\",\"hours\":1.50},\n  {\"desktop_id\":\"d1\",\"computer_name\":null,\"desktop_username\":\"ann\",\"date\":\"2024-01-02\",\"hours\":0.25}",
        ),
    ] {
        let out = Shared::default();
        let mut e =
            Emitter::new(Kind::Report, format, String::new(), out.clone()).arriving_by_id(true);
        e.push(desktop("d1", Some("ann"), &[150, 25])).unwrap();
        assert_eq!(out.text(), first_rows, "{format:?}: written on arrival");
        e.push(desktop("d2", None, &[0, 0])).unwrap();
        e.finish().unwrap();
        let streamed = out.text();

        // In any order: nothing before the end, then the same bytes.
        let out = Shared::default();
        let mut e = Emitter::new(Kind::Report, format, String::new(), out.clone());
        e.push(desktop("d2", None, &[0, 0])).unwrap();
        e.push(desktop("d1", Some("ann"), &[150, 25])).unwrap();
        assert_eq!(out.text(), "", "{format:?}: held until sorted");
        e.finish().unwrap();
        assert_eq!(out.text(), streamed, "{format:?}");
    }
}

#[test]
fn sorted_report_rows_keep_each_desktop_together_in_key_order() {
    let mut e = Emitter::new(Kind::Report, Format::Csv, String::new(), Vec::new())
        .arriving_by_id(true)
        .with_sort(Some((SortKey::Hours, false)));
    e.push(desktop("d1", Some("ann"), &[150, 25])).unwrap();
    e.push(desktop("d2", None, &[0, 0])).unwrap();
    e.push(desktop("d3", Some("bob"), &[500, 0])).unwrap();
    e.push(desktop("d4", Some("cy"), &[0, 0])).unwrap();
    let text = String::from_utf8(e.finish().unwrap()).unwrap();
    let ids: Vec<&str> = text.lines().skip(1).map(|l| &l[..2]).collect();
    // Most hours first; equal hours by id.
    assert_eq!(ids, ["d3", "d3", "d1", "d1", "d2", "d2", "d4", "d4"]);
}

#[test]
fn report_table() {
    assert_eq!(
        emit(Kind::Report, Format::Table),
        "caption\n\n\
         DESKTOP ID          USER    HOURS  ACTIVE DAYS  AVG H/ACTIVE DAY  LAST ACTIVE\n\
         d1                  ann      1.75            2              0.88  2024-01-02\n\
         d2                  -        0.00            0              0.00  -\n\
         d3                  ann      0.10            1              0.10  2024-01-02\n\
         -----------------------------------------------------------------------------\n\
         TOTAL (3 desktops)  1 user   1.85            3              0.62  2024-01-02\n"
    );
}

#[test]
fn idle_formats() {
    let threshold = Kind::Idle {
        threshold: Hours::from_hundredths(10),
    };
    assert_eq!(
        emit(threshold, Format::Json),
        "[\n  {\"desktop_id\":\"d2\",\"computer_name\":null,\"desktop_username\":null,\"total_hours\":0.00,\"active_days\":0,\"last_active_day\":null,\"status\":null,\"created\":null},\n  {\"desktop_id\":\"d3\",\"computer_name\":null,\"desktop_username\":\"ann\",\"total_hours\":0.10,\"active_days\":1,\"last_active_day\":\"2024-01-02\",\"status\":null,\"created\":null}\n]\n"
    );
    assert_eq!(
        emit(threshold, Format::Table),
        "caption\n\n\
         DESKTOP ID  USER  HOURS  ACTIVE DAYS  LAST ACTIVE\n\
         d2          -      0.00            0  never\n\
         d3          ann    0.10            1  2024-01-02\n\
         \n2 of 3 desktops used at most 0.10 h.\n"
    );
}

#[test]
fn users_formats() {
    assert_eq!(
        emit(Kind::UsersDaily, Format::Csv),
        "username,hours,desktops,active_days\nann,1.85,2,2\n,0.00,1,0\n"
    );
    assert_eq!(
        emit(Kind::UsersDaily, Format::Table),
        "caption\n\n\
         USER            HOURS  DESKTOPS  ACTIVE DAYS\n\
         ann              1.85         2            2\n\
         (no user)        0.00         1            0\n\
         --------------------------------------------\n\
         TOTAL (1 user)   1.85         3\n"
    );
}
