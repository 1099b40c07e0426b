//! The status page: the answer of `status` (the same [`ControlResponse`] that
//! `zonesync serve status --format json` prints and `/status.json` serves) rendered as
//! one self-contained HTML page for the `metrics:` listener's `/`.
//!
//! [`render`] is a pure function of the answer and the time; `server::http` serves
//! it. The page has no external assets (inline style and script), escapes every
//! text it shows, and refreshes itself: a small inline script fetches `/` every
//! [`REFRESH_SECONDS`] and swaps the new `<main>` in (one renderer, this one, for the
//! first load and every refresh; `data-updates` counts the swaps). Without script
//! the page is complete as served.
//!
//! Rows carry `data-` attributes (zone, secondary, state, serial, distance, lag) so
//! that tests and scrapers need not parse the visible text.

use std::fmt::Write;
use std::time::Duration;

use crate::control::{ControlResponse, ZoneView};
use crate::sync::propagation::{Evidence, Listed, NotifyOutcome, SecondaryState, SecondaryView};
use crate::sync::status::{Role, State};

/// Seconds between the page's refreshes.
pub const REFRESH_SECONDS: u64 = 5;

/// The page for `status` as of `now` (Unix seconds; for the "ago" columns).
pub fn render(status: &ControlResponse, now: u64) -> String {
    let mut out = String::with_capacity(8192);
    out.push_str(HEAD);
    out.push_str("<main id=\"status\" data-updates=\"0\">\n");
    match &status.server {
        Some(server) => {
            let _ = writeln!(
                out,
                "<h1>zonesync {}</h1>\n<p class=\"server\">up {}, {} zones, listening on {}</p>",
                escape(&server.version),
                escape(&human(server.uptime)),
                server.zones,
                escape(&server.listen.join(", "))
            );
        }
        None => {
            // No status (the server is shutting down, or did not answer in time).
            let _ = writeln!(
                out,
                "<h1>zonesync</h1>\n<p class=\"error\">{}</p>",
                escape(&status.message)
            );
        }
    }
    zones(&mut out, &status.zones, now);
    propagation(&mut out, &status.zones, now);
    let _ = writeln!(
        out,
        "<p class=\"updated\">as of <time datetime=\"{now}\">{}</time>; refreshes every {REFRESH_SECONDS}s</p>",
        escape(&utc(now))
    );
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "{}",
        SCRIPT.replace("REFRESH_MS", &(REFRESH_SECONDS * 1000).to_string())
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// The zones table.
fn zones(out: &mut String, zones: &[ZoneView], now: u64) {
    out.push_str("<h2>Zones</h2>\n");
    if zones.is_empty() {
        out.push_str("<p>No zones.</p>\n");
        return;
    }
    out.push_str(
        "<table id=\"zones\">\n<thead><tr><th>zone</th><th>role</th><th>state</th><th>serial</th>\
         <th>last refresh</th><th>next refresh</th><th>expires</th><th>catalog</th>\
         <th>source</th><th>last error</th></tr></thead>\n<tbody>\n",
    );
    for z in zones {
        let s = &z.status;
        let state = state_name(s.state);
        let _ = writeln!(
            out,
            "<tr class=\"state-{state}\" data-zone=\"{zone}\" data-state=\"{state}\" data-serial=\"{serial}\">\
             <td>{zone}</td><td>{role}</td><td>{state}</td><td class=\"num\">{serial}</td>\
             <td>{last}</td><td>{next}</td><td>{expires}</td><td>{catalog}</td><td>{source}</td>\
             <td class=\"error\">{error}</td></tr>",
            zone = escape(&z.zone),
            role = role_name(s.role),
            serial = s.serial.map_or(String::new(), |v| v.to_string()),
            last = relative(s.last_refresh, now),
            next = relative(s.next_refresh, now),
            expires = relative(s.expire_at, now),
            catalog = escape(z.catalog.as_deref().unwrap_or("")),
            source = escape(&s.source.join(", ")),
            error = escape(s.last_error.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The propagation table: one row per secondary of each zone that has any.
fn propagation(out: &mut String, zones: &[ZoneView], now: u64) {
    out.push_str("<h2>Propagation</h2>\n");
    if zones.iter().all(|z| z.secondaries.is_empty()) {
        out.push_str("<p>No secondaries seen yet.</p>\n");
        return;
    }
    out.push_str(
        "<table id=\"propagation\">\n<thead><tr><th>zone</th><th>secondary</th><th>listed as</th>\
         <th>state</th><th>serial</th><th>behind</th><th>lag</th><th>serial from</th>\
         <th>last NOTIFY</th><th>last SOA query</th></tr></thead>\n<tbody>\n",
    );
    for z in zones {
        for s in &z.secondaries {
            row(out, &z.zone, s, now);
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

fn row(out: &mut String, zone: &str, s: &SecondaryView, now: u64) {
    let state = secondary_state_name(s.state);
    let serial = s.serial.map_or(String::new(), |v| v.to_string());
    let behind = s.behind.map_or(String::new(), |v| v.to_string());
    let lag = s.lag_seconds.map_or(String::new(), |v| format!("{v:.3}"));
    let lag_text = s
        .lag_seconds
        .map_or(String::new(), |v| human_f(v).to_string());
    let from = match (s.serial_from, s.serial_at) {
        (Some(e), Some(at)) => format!("{}, {}", evidence_name(e), relative(Some(at), now)),
        _ => String::new(),
    };
    let notified = s.notified.as_ref().map_or(String::new(), |n| {
        let outcome = n.outcome.map_or("sent", notify_outcome_name);
        format!(
            "serial {} {outcome}, {}",
            n.serial,
            relative(Some(n.sent_at), now)
        )
    });
    let soa = s.soa_query.as_ref().map_or(String::new(), |q| {
        format!("answered {}, {}", q.serial, relative(Some(q.at), now))
    });
    let who = match &s.notify_target {
        Some(t) => format!("{} (NOTIFY to {})", escape(&s.secondary), escape(t)),
        None => escape(&s.secondary),
    };
    let _ = writeln!(
        out,
        "<tr class=\"secondary-{state}\" data-zone=\"{zone}\" data-secondary=\"{addr}\" \
         data-state=\"{state}\" data-serial=\"{serial}\" data-behind=\"{behind}\" data-lag=\"{lag}\">\
         <td>{zone}</td><td>{who}</td><td>{listed}</td><td>{state}</td><td class=\"num\">{serial}</td>\
         <td class=\"num\">{behind}</td><td class=\"num\">{lag_text}</td><td>{from}</td>\
         <td>{notified}</td><td>{soa}</td></tr>",
        zone = escape(zone),
        addr = escape(&s.secondary),
        listed = listed_name(s.listed),
        from = escape(&from),
        notified = escape(&notified),
        soa = escape(&soa),
    );
}

//----------- Helpers ----------------------------------------------------------------

/// `text` safe inside HTML text and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// "in 5m", "12s ago", or empty for no time.
fn relative(t: Option<u64>, now: u64) -> String {
    match t {
        None => String::new(),
        Some(t) if t > now => format!("in {}", human(t - now)),
        Some(t) => format!("{} ago", human(now - t)),
    }
}

fn human(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    crate::duration::format(Duration::from_secs(secs))
}

fn human_f(secs: f64) -> String {
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    human(secs as u64)
}

/// The time as `YYYY-MM-DD HH:MM:SS UTC` (civil from days: Howard Hinnant's algorithm).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Primary => "primary",
        Role::Secondary => "secondary",
        Role::Catalog => "catalog",
    }
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Loading => "loading",
        State::Ok => "ok",
        State::Refreshing => "refreshing",
        State::Expired => "expired",
    }
}

fn secondary_state_name(s: SecondaryState) -> &'static str {
    match s {
        SecondaryState::Current => "current",
        SecondaryState::Behind => "behind",
        SecondaryState::Ahead => "ahead",
        SecondaryState::Unknown => "unknown",
    }
}

fn listed_name(l: Listed) -> &'static str {
    match l {
        Listed::Ns => "NS host",
        Listed::AlsoNotify => "also-notify",
        Listed::SuperSlave => "super slave",
        Listed::Client => "client",
    }
}

fn evidence_name(e: Evidence) -> &'static str {
    match e {
        Evidence::IxfrRequest => "its IXFR request",
        Evidence::Ixfr => "IXFR served",
        Evidence::Axfr => "AXFR served",
    }
}

fn notify_outcome_name(o: NotifyOutcome) -> &'static str {
    match o {
        NotifyOutcome::Acknowledged => "acknowledged",
        NotifyOutcome::Refused => "refused",
        NotifyOutcome::Failed => "failed",
    }
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zonesync status</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; white-space: nowrap; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.error, p.error { color: #a00; white-space: normal; }
tr.state-expired, tr.state-loading, tr.secondary-behind { background: #fde8e8; }
tr.state-refreshing, tr.secondary-unknown { background: #fff6dd; }
p.updated { color: #666; font-size: 0.9em; }
</style>
</head>
<body>
"#;

/// Fetches the page again and swaps its `<main>` in; a failed fetch keeps the page.
const SCRIPT: &str = r#"<script>
(function () {
  var updates = 0;
  function refresh() {
    fetch("/", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("status");
        var old = document.getElementById("status");
        if (fresh && old) {
          updates += 1;
          fresh.setAttribute("data-updates", String(updates));
          old.replaceWith(fresh);
        }
      })
      .catch(function () {});
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
</script>
"#;

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ServerStatus;
    use crate::sync::propagation::NotifyView;
    use crate::sync::status::ZoneStatus;

    fn answer() -> ControlResponse {
        let mut primary = ZoneStatus::new(Role::Primary, vec!["zones/<x>.zone".into()]);
        primary.state = State::Ok;
        primary.serial = Some(7);
        primary.last_refresh = Some(1_000);
        primary.last_error = Some("serial 8 rejected: <script>alert('x')</script> & more".into());
        ControlResponse {
            ok: true,
            message: "1 zones".into(),
            server: Some(ServerStatus {
                version: "1.2.3".into(),
                uptime: 90,
                zones: 1,
                listen: vec!["127.0.0.1:5300".into()],
            }),
            zones: vec![ZoneView {
                zone: "ex\"ample.com.".into(),
                status: primary,
                catalog: Some("catalog.invalid.".into()),
                secondaries: vec![SecondaryView {
                    secondary: "127.0.0.2".into(),
                    listed: Listed::AlsoNotify,
                    notify_target: Some("127.0.0.2:5301".into()),
                    state: SecondaryState::Behind,
                    serial: Some(5),
                    serial_from: Some(Evidence::IxfrRequest),
                    serial_at: Some(1_010),
                    behind: Some(2),
                    lag_seconds: Some(12.5),
                    notified: Some(NotifyView {
                        serial: 7,
                        sent_at: 1_000,
                        outcome: None,
                    }),
                    soa_query: None,
                }],
            }],
        }
    }

    #[test]
    fn escapes_every_text() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let page = render(&answer(), 1_030);
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"),
            "{page}"
        );
        assert!(page.contains("data-zone=\"ex&quot;ample.com.\""), "{page}");
        assert!(page.contains("zones/&lt;x&gt;.zone"), "{page}");
        // The one script is ours.
        assert_eq!(page.matches("<script>").count(), 1, "{page}");
    }

    #[test]
    fn shows_zones_catalogs_and_the_propagation_view() {
        let page = render(&answer(), 1_030);
        for part in [
            "<h1>zonesync 1.2.3</h1>",
            "up 1m30s, 1 zones, listening on 127.0.0.1:5300",
            "data-state=\"ok\" data-serial=\"7\"",
            "<td>primary</td><td>ok</td><td class=\"num\">7</td><td>30s ago</td>",
            "<td>catalog.invalid.</td>",
            "data-secondary=\"127.0.0.2\" data-state=\"behind\" data-serial=\"5\" data-behind=\"2\" data-lag=\"12.500\"",
            "127.0.0.2 (NOTIFY to 127.0.0.2:5301)",
            "<td>also-notify</td>",
            "its IXFR request, 20s ago",
            "serial 7 sent, 30s ago",
            "1970-01-01 00:17:10 UTC",
            "setInterval(refresh, 5000)",
        ] {
            assert!(page.contains(part), "{part} in {page}");
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no external assets"
        );
    }

    #[test]
    fn empty_and_failed_answers_still_render() {
        let page = render(&ControlResponse::error("the server is shutting down"), 0);
        assert!(page.contains("<p class=\"error\">the server is shutting down</p>"));
        assert!(page.contains("No zones."));
        assert!(page.contains("No secondaries seen yet."));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn utc_table() {
        for (secs, text) in [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_400, "2000-02-29 00:00:00 UTC"),
            (1_796_369_682, "2026-12-04 07:34:42 UTC"),
        ] {
            assert_eq!(utc(secs), text);
        }
    }
}
