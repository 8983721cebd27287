//! A page of records as the service's JSON, written straight into one
//! buffer. Building a `serde_json::Value` per record (a map of twenty
//! owned keys and strings, then serialised) cost the simulator more CPU
//! than the client spent decoding the same page, so a month of a large
//! fleet measured the simulator, not the client. The keys are written in
//! the order a `Value` map (sorted) would write them, so the bytes are the
//! same as before.

use chrono::{DateTime, SecondsFormat, Utc};

use super::{REASONS, Rec, terminal};
use crate::fleet::Fleet;
use crate::hash::{hash, uuid_like};

/// What a record shows of its desktop's inventory entry: computed once per
/// desktop and query, not per record (an entry is a few dozen strings).
#[derive(Debug, Clone, Default)]
pub(super) struct Seat {
    sid: String,
    desktop_ip: String,
    enterprise_project_id: String,
}

impl Seat {
    /// The seats of every desktop of the fleet (`None`: not in the inventory).
    pub(super) fn all(fleet: &Fleet, today: chrono::NaiveDate) -> Vec<Option<Seat>> {
        (0..fleet.desktops().len())
            .map(|i| {
                fleet.inventory(i, today).map(|inv| Seat {
                    sid: inv.machine_sid,
                    desktop_ip: inv.ip_address,
                    enterprise_project_id: inv.enterprise_project_id,
                })
            })
            .collect()
    }
}

/// `{"records":[...],"total_count":N}` for `page`.
pub(super) fn page(fleet: &Fleet, seats: &[Option<Seat>], page: &[Rec], total: u64) -> String {
    let mut out = Vec::with_capacity(page.len() * 900 + 64);
    out.extend_from_slice(b"{\"records\":[");
    let tenant = format!("{:016x}", hash(&[fleet.seed(), 80]));
    for (i, r) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        record(&mut out, fleet, seats, r, &tenant);
    }
    out.extend_from_slice(b"],\"total_count\":");
    out.extend_from_slice(total.to_string().as_bytes());
    out.push(b'}');
    // Every piece is ASCII or came from a `&str` through serde_json.
    String::from_utf8(out).unwrap_or_default()
}

/// One JSON object, its keys in sorted order, nulls left out (as the
/// `Value` map that came before did).
struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn text(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(key);
            // A string into a Vec cannot fail to serialise.
            let _ = serde_json::to_writer(&mut *self.out, value);
        }
    }

    fn raw(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(key);
            self.out.extend_from_slice(value.as_bytes());
        }
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn time(t: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(t, 0).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn record(out: &mut Vec<u8>, fleet: &Fleet, seats: &[Option<Seat>], r: &Rec, tenant: &str) {
    let key = fleet.key(r.desktop).unwrap_or(0);
    let seat = seats.get(r.desktop).and_then(Option::as_ref);
    let day = (r.start.div_euclid(86_400)) as u64;
    let (terminal_type, client, t) = terminal(key, day);
    let spec = &fleet.desktops()[r.desktop];
    let transaction = uuid_like(
        hash(&[key, 81, r.start as u64, r.tag]),
        hash(&[key, 82, r.tag]),
    );
    let terminal_name = format!("PC-{:04X}", t % 0xFFFF);
    let terminal_mac = format!(
        "02:00:{:02x}:{:02x}:{:02x}:{:02x}",
        t >> 8 & 255,
        t >> 16 & 255,
        t >> 24 & 255,
        t >> 32 & 255
    );
    let terminal_ip = format!("192.168.{}.{}", t >> 40 & 255, 1 + (t >> 48) % 254);
    let source_ip = format!("100.64.{}.{}", t >> 40 & 255, 1 + (t >> 48) % 254);
    let public_ip = format!("203.0.113.{}", 1 + (t >> 56) % 254);
    let rtt = r.rtt.map(|(net, e2e)| (net.to_string(), e2e.to_string()));

    let mut o = Object::new(out);
    o.text("agent_version", Some("1.8.00005.10546"));
    o.text("client_version", Some(client));
    o.text("computer_name", fleet.computer_name(r.desktop));
    o.text("connection_end_time", r.end.and_then(time).as_deref());
    o.text(
        "connection_failure_reason",
        r.reason.and_then(|i| REASONS.get(i).copied()),
    );
    o.text("connection_setup_time", r.setup.and_then(time).as_deref());
    o.text("connection_start_time", time(r.start).as_deref());
    o.text("desktop_id", Some(&spec.id));
    o.text("desktop_ip", seat.map(|s| s.desktop_ip.as_str()));
    o.raw("e2e_rtt", rtt.as_ref().map(|(_, e2e)| e2e.as_str()));
    o.text(
        "enterprise_project_id",
        seat.map(|s| s.enterprise_project_id.as_str()),
    );
    o.raw(
        "is_reconnect",
        Some(if r.reconnect { "true" } else { "false" }),
    );
    o.raw("network_rtt", rtt.as_ref().map(|(net, _)| net.as_str()));
    o.text("public_ip", Some(&public_ip));
    o.text("sid", seat.map(|s| s.sid.as_str()));
    o.text("source_ip", Some(&source_ip));
    o.text("tenantId", Some(tenant));
    o.text("terminal_ip", Some(&terminal_ip));
    o.text("terminal_mac", Some(&terminal_mac));
    o.text("terminal_name", Some(&terminal_name));
    o.text("terminal_type", Some(terminal_type));
    o.text("transaction_id", Some(&transaction));
    o.text("user_name", spec.username.as_deref());
    o.end();
}
