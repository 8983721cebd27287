//! The desktop-usage SDK facade (work in progress).
