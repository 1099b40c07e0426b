//! Writes a large, realistic, deterministic zone file for benchmarks.
//!
//! ```text
//! cargo run --release --example genzone -- [RECORDS] [ORIGIN] > zone.txt
//! ```
//!
//! The zone (1,000,000 records by default, ~32 MB) mixes what big operator zones hold:
//! hosts with A and AAAA, mail hosts with MX and SPF/DKIM-style TXT, CNAME aliases, SRV
//! services, and delegations with NS and glue; owners are relative, often repeated or
//! left blank, with some explicit TTLs and classes. The same arguments always give the
//! same bytes (a fixed-seed xorshift generator), so runs compare like with like.
//! `benches/zone_parse.rs` includes this file for its in-memory input.

use std::io::{self, BufWriter, Write};

/// A fixed-seed xorshift64 generator: deterministic across runs and platforms.
pub struct Rng(u64);

impl Rng {
    /// The generator every run starts from.
    pub fn new() -> Rng {
        Rng(0x2545_f491_4f6c_dd1d)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

impl Default for Rng {
    fn default() -> Self {
        Rng::new()
    }
}

/// Writes a zone of at least `records` records for `origin` (e.g. `example.com.`);
/// returns the exact number of records written.
pub fn generate<W: Write>(records: usize, origin: &str, out: &mut W) -> io::Result<usize> {
    let mut rng = Rng::new();
    writeln!(out, "$ORIGIN {origin}")?;
    writeln!(out, "$TTL 3600")?;
    writeln!(
        out,
        "@\tIN\tSOA\tns1 hostmaster ( 2024010101 7200 3600 1209600 3600 )"
    )?;
    writeln!(out, "\tIN\tNS\tns1")?;
    writeln!(out, "\tIN\tNS\tns2.example.net.")?;
    writeln!(out, "\tIN\tMX\t10 mail")?;
    writeln!(out, "\tIN\tTXT\t\"v=spf1 mx -all\"")?;
    writeln!(out, "ns1\tIN\tA\t192.0.2.1")?;
    writeln!(out, "mail\tIN\tA\t192.0.2.25")?;
    let mut n = 7;
    let mut i: u64 = 0;
    while n < records {
        i += 1;
        let a = rng.next_u64();
        let ip = [(a >> 8) as u8, (a >> 16) as u8, (a >> 24) as u8 | 1];
        match rng.below(100) {
            // A plain host, sometimes dual-stacked, sometimes with its own TTL.
            0..=44 => {
                if rng.below(4) == 0 {
                    writeln!(out, "host{i} 300 IN A 10.{}.{}.{}", ip[0], ip[1], ip[2])?;
                } else {
                    writeln!(out, "host{i} IN A 10.{}.{}.{}", ip[0], ip[1], ip[2])?;
                }
                n += 1;
                if rng.below(2) == 0 {
                    writeln!(
                        out,
                        " IN AAAA 2001:db8:{:x}:{:x}::{:x}",
                        ip[0],
                        ip[1],
                        i & 0xffff
                    )?;
                    n += 1;
                }
            }
            // An alias.
            45..=59 => {
                writeln!(
                    out,
                    "www{i} IN CNAME host{}",
                    i.saturating_sub(1 + rng.below(50)).max(1)
                )?;
                n += 1;
            }
            // A mail domain: MX, SPF, sometimes a DKIM key.
            60..=69 => {
                writeln!(out, "m{i} IN MX 10 mx{}.example.net.", i % 97)?;
                writeln!(out, " IN MX 20 mail")?;
                writeln!(
                    out,
                    " IN TXT \"v=spf1 ip4:10.{}.{}.0/24 -all\"",
                    ip[0], ip[1]
                )?;
                n += 3;
                if rng.below(5) == 0 {
                    writeln!(
                        out,
                        "s{}._domainkey.m{i} IN TXT ( \"v=DKIM1; k=rsa; \" \"p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC{:016x}\" )",
                        i % 7,
                        a
                    )?;
                    n += 1;
                }
            }
            // A service.
            70..=79 => {
                writeln!(out, "_sip._tcp.host{i} IN SRV 10 60 5060 host{i}")?;
                writeln!(out, "host{i} IN A 10.{}.{}.{}", ip[0], ip[1], ip[2])?;
                n += 2;
            }
            // A delegation with in-bailiwick glue.
            80..=89 => {
                writeln!(out, "d{i} IN NS ns1.d{i}")?;
                writeln!(out, " IN NS ns2.d{i}")?;
                writeln!(out, "ns1.d{i} IN A 172.16.{}.{}", ip[0], ip[1])?;
                writeln!(out, "ns2.d{i} IN AAAA 2001:db8:ffff::{:x}", i & 0xffff)?;
                n += 4;
            }
            // A delegation to servers elsewhere.
            _ => {
                writeln!(out, "x{i} 86400 IN NS ns{}.example.org.", i % 3)?;
                writeln!(out, " 86400 IN NS ns{}.example.net.", i % 5)?;
                n += 2;
            }
        }
    }
    Ok(n)
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let records = args
        .next()
        .map(|s| s.parse::<usize>().expect("RECORDS must be a number"))
        .unwrap_or(1_000_000);
    let origin = args.next().unwrap_or_else(|| "example.com.".to_string());
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = generate(records, &origin, &mut out)?;
    out.flush()?;
    eprintln!("{written} records");
    Ok(())
}
