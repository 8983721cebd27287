//! Pictures in tables: a sparkline of a desktop's daily hours, and bars
//! for totals. Unicode block characters, one cell wide each.

use chrono::NaiveDate;
use huaweicloud_workspace::DesktopUsage;

/// The widest sparkline: longer ranges are drawn in buckets of several days.
pub const SPARKLINE_WIDTH: usize = 31;
/// The widest bar.
pub const BAR_WIDTH: usize = 20;

const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A desktop's hours per day over `from..=to` (hourly periods add up into
/// their day), in hundredths; days outside the range are left out.
pub fn daily_hundredths(desktop: &DesktopUsage, from: NaiveDate, to: NaiveDate) -> Vec<u64> {
    let days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    let mut out = vec![0u64; days];
    for p in &desktop.periods {
        if let Some(day) = p.period.day()
            && day >= from
            && day <= to
            && let Ok(i) = usize::try_from((day - from).num_days())
        {
            out[i] = out[i].saturating_add(p.hours.hundredths());
        }
    }
    out
}

/// A sparkline of `values`: at most `width` cells, each the sum of an equal
/// share of the values, scaled so that `scale` (or the largest value when
/// `scale` is 0) is a full block; zero is a space, anything above zero at
/// least the lowest block.
pub fn sparkline(values: &[u64], width: usize, scale: u64) -> String {
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let cells = values.len().min(width);
    let mut sums = vec![0u64; cells];
    for (i, v) in values.iter().enumerate() {
        sums[i * cells / values.len()] += v;
    }
    // A bucket of k days holds up to k times a day's scale.
    let per_cell = values.len().div_ceil(cells) as u64;
    let top = if scale == 0 {
        sums.iter().copied().max().unwrap_or(0)
    } else {
        scale.saturating_mul(per_cell)
    };
    sums.iter()
        .map(|&v| {
            if v == 0 || top == 0 {
                ' '
            } else {
                let level = (v.min(top) * (LEVELS.len() as u64 - 1) / top) as usize;
                LEVELS[level.min(LEVELS.len() - 1)]
            }
        })
        .collect()
}

/// A bar of `value` against `max`, at most `width` cells (eighths of a
/// cell for the end); empty for zero.
pub fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = (value.min(max) as u128 * width as u128 * 8).div_ceil(max as u128) as usize;
    let mut out = "█".repeat(eighths / 8);
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if !eighths.is_multiple_of(8) {
        out.push(PARTS[eighths % 8]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_a_day_and_bucket_long_ranges() {
        // 24 h is a full block, nothing is a space, a little is the lowest block.
        assert_eq!(sparkline(&[0, 2400, 1200, 1], 31, 2400), " █▄▁");
        // 62 days in 31 cells of two days each.
        let long: Vec<u64> = (0..62).map(|i| if i < 2 { 2400 } else { 0 }).collect();
        let line = sparkline(&long, 31, 2400);
        assert_eq!(line.chars().count(), 31);
        assert!(line.starts_with('█'), "{line}");
        assert_eq!(sparkline(&[], 31, 2400), "");
    }

    #[test]
    fn bars_are_proportional_with_eighths() {
        assert_eq!(bar(100, 100, 4), "████");
        assert_eq!(bar(50, 100, 4), "██");
        assert_eq!(bar(1, 100, 4), "▏");
        assert_eq!(bar(0, 100, 4), "");
        assert_eq!(bar(5, 0, 4), "");
    }
}
