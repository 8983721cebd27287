//! Local simulator of the desktop-usage endpoint (work in progress).
