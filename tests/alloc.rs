//! Allocations on the query path, counted by a global allocator that wraps the
//! system's: resolving an answer costs a few allocations per section (its vector
//! growing), not one per record. A test binary of its own, since the counting
//! allocator is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use zonesync::answer::{Question, resolve};
use zonesync::zone::{Class, Name, Rdata, Record, Rtype, ZoneVersion};

/// Counts the allocations (and reallocations) of the current thread.
struct Counting;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        COUNT.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

/// A zone with one A record at `one.example.` and `big` at `many.example.`.
fn zone(big: u8) -> ZoneVersion {
    let mut soa = n("ns.example.").as_wire().to_vec();
    soa.extend_from_slice(n("admin.example.").as_wire());
    for v in [1u32, 3600, 600, 86400, 300] {
        soa.extend_from_slice(&v.to_be_bytes());
    }
    let rr = |owner: &str, rtype, rdata: Vec<u8>| {
        Record::new(n(owner), Class::IN, rtype, 300, Rdata::from_wire(rdata))
    };
    let mut records = vec![
        rr("example.", Rtype::SOA, soa),
        rr("example.", Rtype::NS, n("ns.example.").as_wire().to_vec()),
        rr("ns.example.", Rtype::A, vec![192, 0, 2, 53]),
        rr("one.example.", Rtype::A, vec![192, 0, 2, 1]),
    ];
    records.extend((0..big).map(|i| rr("many.example.", Rtype::A, vec![10, 0, 0, i])));
    ZoneVersion::from_records(n("example."), Class::IN, records).unwrap()
}

/// Allocations made while resolving `qname`/A, and how many records the answer has.
fn allocations(z: &ZoneVersion, qname: &str) -> (usize, usize) {
    let q = Question {
        qname: n(qname),
        qtype: Rtype::A,
        tcp: true,
        dnssec_ok: false,
    };
    let before = COUNT.with(Cell::get);
    let ans = resolve(z, &q);
    let after = COUNT.with(Cell::get);
    (after - before, ans.answer.len())
}

#[test]
fn an_answer_allocates_per_section_not_per_record() {
    let z = zone(200);
    let (one, one_len) = allocations(&z, "one.example.");
    let (many, many_len) = allocations(&z, "many.example.");
    assert_eq!((one_len, many_len), (1, 200));
    // 199 more records: the answer's vector grows (doubling: 8 times up to 256),
    // nothing is allocated per record.
    assert!(many - one <= 10, "1 record: {one} allocations, 200: {many}");
}
