//! The fuzzing engine: a seeded PRNG, a corpus that grows when an input shows an
//! outcome not seen before, stacked byte- and structure-level mutations, and panics
//! caught with `catch_unwind` and saved (hex) so each can become a regression test.
//!
//! It runs on stable Rust with no instrumentation: the "coverage" is what each target
//! reports through [`Feedback`] (which stage it reached, which error variant, which
//! record types and finding codes it saw). That steers the corpus towards inputs that
//! get further, without a compiler plugin.
//!
//! Callers: `fuzz/main.rs` (the `fuzz` test target): a short smoke run per target in
//! `cargo test`, the bounded run in CI (`FUZZ_SECONDS`).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

//----------- Rng --------------------------------------------------------------------

/// SplitMix64: small, seedable, good enough to pick mutations.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One element of `items` (which must not be empty).
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

//----------- Feedback ---------------------------------------------------------------

/// What a target saw while running one input: features whose first appearance makes
/// the input worth keeping.
#[derive(Default, Debug)]
pub struct Feedback {
    features: Vec<u64>,
}

impl Feedback {
    /// Notes a feature (a stage reached, an error variant, a record type…).
    pub fn note(&mut self, feature: impl Hash) {
        let mut h = std::hash::DefaultHasher::new();
        feature.hash(&mut h);
        self.features.push(h.finish());
    }

    /// True when `feature` was noted.
    pub fn saw(&self, feature: impl Hash) -> bool {
        let mut h = std::hash::DefaultHasher::new();
        feature.hash(&mut h);
        self.features.contains(&h.finish())
    }
}

//----------- Target -----------------------------------------------------------------

/// One fuzz target: the code under test and how to mutate its inputs.
pub struct Target {
    /// Short name: the folder under `fuzz/corpus/` and `fuzz/regressions/`.
    pub name: &'static str,
    /// Runs one input; panics on a bug (a crash or a broken invariant).
    pub run: fn(&[u8], &mut Feedback),
    /// Structure-aware mutation; `false` when it could not apply (the engine then
    /// mutates bytes).
    pub mutate: fn(&mut Rng, &mut Vec<u8>, &[Vec<u8>]) -> bool,
    /// Largest input worth trying.
    pub max_len: usize,
}

/// How long to fuzz one target.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Stop after this many executions…
    pub iterations: u64,
    /// …or after this long, whichever comes first.
    pub time: Duration,
}

/// A panic the engine caught.
#[derive(Debug)]
pub struct Crash {
    /// The panic message and where it happened.
    pub message: String,
    /// Where the input was saved.
    pub saved: PathBuf,
    /// The input, hex.
    pub hex: String,
}

/// What one run did.
#[derive(Debug)]
pub struct Report {
    /// Inputs executed.
    pub execs: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Corpus size at the end (seeds plus inputs kept for new features).
    pub corpus: usize,
    /// Distinct features seen.
    pub features: usize,
    /// Panics (distinct by message), each with its saved input.
    pub crashes: Vec<Crash>,
    /// The slowest input's time.
    pub slowest: Duration,
}

impl Report {
    /// Executions per second.
    pub fn execs_per_sec(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Most inputs the corpus keeps.
const MAX_CORPUS: usize = 4096;

//----------- Running ----------------------------------------------------------------

/// Runs `input` through `target`, returning the panic message if it panicked.
pub fn run_one(target: &Target, input: &[u8], feedback: &mut Feedback) -> Result<(), String> {
    install_hook();
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input, feedback)));
    QUIET.with(|q| q.set(false));
    result.map_err(|_| LAST_PANIC.with(|p| p.take()).unwrap_or_default())
}

/// Fuzzes `target` from `seeds` within `budget`; crashes are saved under `crash_dir`.
pub fn fuzz(
    target: &Target,
    seeds: Vec<Vec<u8>>,
    budget: Budget,
    seed: u64,
    crash_dir: &Path,
) -> Report {
    let mut rng = Rng::new(seed);
    let mut corpus: Vec<Vec<u8>> = if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds
    };
    let mut seen: HashSet<u64> = HashSet::new();
    let mut crashes: Vec<Crash> = Vec::new();
    let mut messages: HashSet<String> = HashSet::new();
    let mut slowest = Duration::ZERO;
    let watchdog = Watchdog::start(target.name, crash_dir);

    let start = Instant::now();
    let mut execs = 0u64;
    let seeds_len = corpus.len();
    // Seeds first, unmutated, so their features count as known.
    let mut pending: Vec<Vec<u8>> = corpus.clone();
    while execs < budget.iterations && start.elapsed() < budget.time {
        let input = match pending.pop() {
            Some(input) => input,
            None => {
                let mut input = rng.pick(&corpus).clone();
                for _ in 0..1 + rng.below(6) {
                    if rng.one_in(3) || !(target.mutate)(&mut rng, &mut input, &corpus) {
                        mutate_bytes(&mut rng, &mut input, &corpus);
                    }
                }
                input.truncate(target.max_len);
                input
            }
        };
        let mut feedback = Feedback::default();
        watchdog.arm(&input);
        let t = Instant::now();
        let outcome = run_one(target, &input, &mut feedback);
        slowest = slowest.max(t.elapsed());
        watchdog.disarm();
        execs += 1;
        match outcome {
            Ok(()) => {
                let mut new = false;
                for f in feedback.features {
                    new |= seen.insert(f);
                }
                if new {
                    // A full corpus swaps out a random entry that is not a seed.
                    if corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    } else if corpus.len() > seeds_len {
                        let i = seeds_len + rng.below(corpus.len() - seeds_len);
                        corpus[i] = input;
                    }
                }
            }
            Err(message) => {
                if messages.insert(message.clone()) && crashes.len() < 20 {
                    let saved = save(crash_dir, target.name, &input);
                    crashes.push(Crash {
                        message,
                        saved,
                        hex: hex(&input),
                    });
                }
            }
        }
    }
    Report {
        execs,
        elapsed: start.elapsed(),
        corpus: corpus.len(),
        features: seen.len(),
        crashes,
        slowest,
    }
}

/// Saves a crashing input as `<dir>/<target>/<hash>.hex` and returns the path.
fn save(dir: &Path, target: &str, input: &[u8]) -> PathBuf {
    let mut h = std::hash::DefaultHasher::new();
    input.hash(&mut h);
    let dir = dir.join(target);
    let path = dir.join(format!("{:016x}.hex", h.finish()));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&path, format!("{}\n", hex(input)));
    path
}

/// Lower-case hex, 32 octets a line.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + bytes.len() / 32);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 32 == 0 {
            out.push('\n');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Reads hex, ignoring white space and `#` comments to the end of a line.
pub fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .lines()
        .flat_map(|l| l.split('#').next().unwrap_or("").bytes())
        .filter(|b| b.is_ascii_hexdigit())
        .collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("0"), 16).unwrap_or(0))
        .collect()
}

//----------- Panics -----------------------------------------------------------------

thread_local! {
    /// True while a fuzz input runs on this thread: its panic is not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The last panic's message and location on this thread.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs (once) a panic hook that records the message for [`run_one`] and stays
/// quiet while an input runs; other panics (test failures) print as usual.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".into());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{at}")));
            if !QUIET.with(|q| q.get()) {
                default(info);
            }
        }));
    });
}

//----------- Watchdog ---------------------------------------------------------------

/// A hang cannot be caught like a panic: a thread watches the input being run and,
/// if one takes longer than [`HANG`], saves it and aborts the process.
/// The input running and since when (`None` before the first).
type Running = Arc<Mutex<Option<(Instant, Vec<u8>)>>>;

struct Watchdog {
    current: Running,
    stop: Arc<AtomicBool>,
}

/// How long one input may run.
/// Generous for the debug build: a zone file may make a million records.
const HANG: Duration = Duration::from_secs(30);

impl Watchdog {
    fn start(target: &'static str, dir: &Path) -> Watchdog {
        let current: Running = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s, dir) = (current.clone(), stop.clone(), dir.to_path_buf());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let guard = c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((since, input)) = guard.as_ref()
                    && since.elapsed() > HANG
                {
                    let path = save(&dir, target, input);
                    eprintln!(
                        "fuzz {target}: an input ran for more than {HANG:?} (hang), saved to {}:\n{}",
                        path.display(),
                        hex(input)
                    );
                    std::process::abort();
                }
            }
        });
        Watchdog { current, stop }
    }

    fn arm(&self, input: &[u8]) {
        let mut guard = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some((since, buf)) => {
                *since = Instant::now();
                buf.clear();
                buf.extend_from_slice(input);
            }
            None => *guard = Some((Instant::now(), input.to_vec())),
        }
    }

    fn disarm(&self) {
        if let Some((since, _)) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            // Far in the future: nothing runs until the next arm.
            *since = Instant::now() + Duration::from_secs(1 << 30);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

//----------- Byte mutations ---------------------------------------------------------

/// Values that sit on boundaries: lengths, pointers, counts.
const INTERESTING_U16: &[u16] = &[
    0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xc000, 0xc00c, 0x7fff, 0x8000, 0xfffe, 0xffff,
];

/// One random byte-level change: bit flip, interesting byte or u16, insert, delete,
/// duplicate, truncate, or splice with another corpus entry.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(10) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = *rng.pick(&[0u8, 1, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xff, b'.', b'\\']);
        }
        2 if len > 1 => {
            let i = rng.below(len - 1);
            let v = *rng.pick(INTERESTING_U16);
            data[i..i + 2].copy_from_slice(&v.to_be_bytes());
        }
        3 => {
            let i = rng.below(len + 1);
            let n = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            data.splice(i..i, bytes);
        }
        4 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(16));
            data.drain(i..i + n);
        }
        5 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below((len - i).min(32));
            let chunk = data[i..i + n].to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, chunk);
        }
        6 if len > 0 => data.truncate(rng.below(len)),
        7 => {
            let other = rng.pick(corpus);
            if !other.is_empty() {
                let a = rng.below(len + 1);
                let b = rng.below(other.len());
                data.truncate(a);
                data.extend_from_slice(&other[b..]);
            }
        }
        8 if len > 0 => {
            let i = rng.below(len);
            data[i] = data[i].wrapping_add(rng.below(7) as u8).wrapping_sub(3);
        }
        _ => {
            let i = rng.below(len + 1);
            data.insert(i, rng.next_u64() as u8);
        }
    }
}
