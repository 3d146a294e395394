//! Which functions a linked firmware can reach from a root, by direct
//! calls and branches, read from `arm-none-eabi-objdump -d` — used to show
//! that the sensor loop reaches no panic machinery.
//!
//! Every panic in Rust ends in `core::panicking::panic_fmt` and the panic
//! handler (`rust_begin_unwind`); bounds checks, `unwrap`, overflow and
//! division checks all call into them. So if neither is reachable from the
//! loop through direct branches, nothing on the loop can panic. Indirect
//! calls (`blx rN`, `bx rN` other than `bx lr`) are listed: the check holds
//! only if there are none, or if their targets are themselves checked.
//!
//! The same disassembly gives each function's stack frame (its `push`,
//! `vpush` and `sub sp` in bytes, including the large frames that Thumb-1
//! code sets up with a literal and `add sp, rN`), and so the deepest stack
//! along direct calls from a root: a static bound for boards that cannot
//! be emulated (it ignores indirect calls and cuts recursion).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::process::Command;

use crate::{Error, Result};

/// The call graph of a firmware's code.
#[derive(Debug, Default)]
pub struct CallGraph {
    /// Function start address → (mangled) name.
    names: BTreeMap<u64, String>,
    /// Function start → start addresses of the functions it branches to.
    edges: BTreeMap<u64, BTreeSet<u64>>,
    /// Function start → its indirect branch instructions, as text.
    indirect: BTreeMap<u64, Vec<String>>,
    /// Function start → bytes its instructions take off the stack pointer.
    frames: BTreeMap<u64, u64>,
}

/// Bytes a `{r4, r5, lr}`-style register list takes (`per` bytes a register).
fn register_list_bytes(list: &str, per: u64) -> u64 {
    let inner = list.trim_start_matches('{').split('}').next().unwrap_or("");
    inner
        .split(',')
        .map(|r| {
            let r = r.trim();
            match r.split_once('-') {
                Some((a, b)) => {
                    let n = |x: &str| {
                        x.trim_start_matches(|c: char| c.is_alphabetic())
                            .parse::<u64>()
                            .ok()
                    };
                    match (n(a), n(b)) {
                        (Some(a), Some(b)) if b >= a => b - a + 1,
                        _ => 1,
                    }
                }
                None if r.is_empty() => 0,
                None => 1,
            }
        })
        .sum::<u64>()
        * per
}

/// What can be reached from a root.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The root's name.
    pub root: String,
    /// Names of every function reachable from it (itself included).
    pub functions: Vec<String>,
    /// Indirect branches in reachable functions: `(function, instruction)`.
    pub indirect: Vec<(String, String)>,
    /// A shortest call chain from the root to a panic function, if any.
    pub panic_path: Option<Vec<String>>,
}

/// Whether a symbol is panic machinery.
pub fn is_panic_symbol(name: &str) -> bool {
    name.contains("rust_begin_unwind") || name.contains("9panicking") || name.contains("panic_fmt")
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 16).ok()
}

impl CallGraph {
    /// Disassembles `elf` with `arm-none-eabi-objdump`.
    pub fn of(elf: &Path) -> Result<Self> {
        let out = Command::new("arm-none-eabi-objdump")
            .args(["-d", "--no-show-raw-insn"])
            .arg(elf)
            .output()
            .map_err(|e| Error::new(format!("cannot run arm-none-eabi-objdump: {e}")))?;
        if !out.status.success() {
            return Err(Error::new(
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        Ok(Self::parse(&String::from_utf8_lossy(&out.stdout)))
    }

    /// Builds the graph from objdump's text.
    pub fn parse(text: &str) -> Self {
        let mut g = CallGraph::default();
        let mut raw: Vec<(u64, u64)> = Vec::new(); // (function, target address)
        let mut words: BTreeMap<u64, u32> = BTreeMap::new(); // literal pool
        let mut literal_loads: Vec<(u64, String, u64)> = Vec::new(); // (function, reg, literal address)
        let mut sp_adds: Vec<(u64, String)> = Vec::new(); // (function, reg) of `add sp, reg`
        let mut current = None;
        for line in text.lines() {
            if let Some(head) = line.strip_suffix(">:") {
                if let Some((addr, name)) = head.split_once(" <") {
                    if let Some(a) = hex(addr.trim()) {
                        g.names.insert(a, name.to_string());
                        current = Some(a);
                    }
                }
                continue;
            }
            let Some(f) = current else { continue };
            let mut parts = line.trim_start().splitn(2, ":\t");
            let (Some(at), Some(insn)) = (parts.next(), parts.next()) else {
                continue;
            };
            if let (Some(at), Some(value)) = (hex(at), insn.strip_prefix(".word\t0x")) {
                if let Ok(v) = u32::from_str_radix(value.trim(), 16) {
                    words.insert(at, v);
                }
                continue;
            }
            let frame = g.frames.entry(f).or_default();
            let args: Vec<&str> = insn.split('\t').collect();
            let (op, operands) = (
                args.first().copied().unwrap_or(""),
                args.get(1).copied().unwrap_or(""),
            );
            if op.starts_with("push") || (op.starts_with("stmdb") && operands.starts_with("sp!")) {
                *frame += register_list_bytes(operands.trim_start_matches("sp!, "), 4);
            } else if op.starts_with("vpush") {
                let per = if operands.contains('d') { 8 } else { 4 };
                *frame += register_list_bytes(operands, per);
            } else if op.starts_with("sub") && operands.starts_with("sp,") {
                if let Some(n) = operands
                    .rsplit('#')
                    .next()
                    .and_then(|n| n.trim().parse::<u64>().ok())
                {
                    *frame += n;
                }
            } else if op.starts_with("ldr") && operands.contains("[pc") {
                let reg = operands.split(',').next().unwrap_or("").to_string();
                if let Some(addr) = insn
                    .split("@ (")
                    .nth(1)
                    .and_then(|t| t.split_whitespace().next())
                    .and_then(hex)
                {
                    literal_loads.push((f, reg, addr));
                }
            } else if op == "add" && operands.starts_with("sp, r") {
                sp_adds.push((f, operands.trim_start_matches("sp, ").trim().to_string()));
            }
            let mut fields = insn.split_whitespace();
            let Some(mnemonic) = fields.next() else {
                continue;
            };
            let operand = fields.next().unwrap_or("");
            let branch = mnemonic.starts_with('b')
                && !mnemonic.starts_with("bic")
                && !mnemonic.starts_with("bfi")
                && !mnemonic.starts_with("bfc")
                && !mnemonic.starts_with("bkpt");
            let cb = mnemonic.starts_with("cbz") || mnemonic.starts_with("cbnz");
            if branch || cb {
                let target = if cb {
                    insn.split(',')
                        .nth(1)
                        .and_then(|t| t.split_whitespace().next())
                        .and_then(hex)
                } else {
                    hex(operand)
                };
                match target {
                    Some(t) => raw.push((f, t)),
                    None if operand != "lr"
                        && (mnemonic.starts_with("blx") || mnemonic.starts_with("bx")) =>
                    {
                        g.indirect
                            .entry(f)
                            .or_default()
                            .push(insn.trim().to_string());
                    }
                    None => {}
                }
            } else if (mnemonic.starts_with("ldr") || mnemonic.starts_with("mov"))
                && operand.starts_with("pc,")
            {
                g.indirect
                    .entry(f)
                    .or_default()
                    .push(insn.trim().to_string());
            }
        }
        // `ldr rN, =-SIZE; add sp, rN`: a large frame (Thumb-1).
        for (f, reg) in sp_adds {
            let literal = literal_loads
                .iter()
                .filter(|(lf, lr, _)| *lf == f && *lr == reg)
                .filter_map(|(_, _, a)| words.get(a))
                .map(|&v| v as i32)
                .find(|&v| v < 0);
            if let Some(v) = literal {
                *g.frames.entry(f).or_default() += v.unsigned_abs() as u64;
            }
        }
        // Calls and tail calls land on a function's first instruction; a
        // branch into the middle of another function is objdump decoding
        // padding after a call that does not return, not a real edge.
        for (f, t) in raw {
            if t != f && g.names.contains_key(&t) {
                g.edges.entry(f).or_default().insert(t);
            }
        }
        g
    }

    /// The start address of the one function whose name contains `part`.
    pub fn find(&self, part: &str) -> Result<u64> {
        let found: Vec<u64> = self
            .names
            .iter()
            .filter(|(_, n)| n.contains(part))
            .map(|(&a, _)| a)
            .collect();
        match found[..] {
            [a] => Ok(a),
            [] => Err(Error::new(format!("no function named like {part:?}"))),
            _ => Err(Error::new(format!(
                "{} functions named like {part:?}",
                found.len()
            ))),
        }
    }

    /// The bytes of stack the function at `addr` takes for itself.
    pub fn frame(&self, addr: u64) -> u64 {
        self.frames.get(&addr).copied().unwrap_or(0)
    }

    /// The deepest stack along direct calls from `root`, in bytes, and the
    /// chain of `(function, frame bytes)` that reaches it (recursion cut).
    pub fn max_stack(&self, root: u64) -> (u64, Vec<(String, u64)>) {
        fn depth(
            g: &CallGraph,
            f: u64,
            on_path: &mut BTreeSet<u64>,
            memo: &mut BTreeMap<u64, (u64, Option<u64>)>,
        ) -> u64 {
            if let Some(&(d, _)) = memo.get(&f) {
                return d;
            }
            if !on_path.insert(f) {
                return 0;
            }
            let mut best = (0, None);
            for &c in g.edges.get(&f).into_iter().flatten() {
                let d = depth(g, c, on_path, memo);
                if d > best.0 {
                    best = (d, Some(c));
                }
            }
            on_path.remove(&f);
            let total = g.frame(f) + best.0;
            memo.insert(f, (total, best.1));
            total
        }
        let mut memo = BTreeMap::new();
        let total = depth(self, root, &mut BTreeSet::new(), &mut memo);
        let mut chain = Vec::new();
        let mut at = Some(root);
        while let Some(f) = at {
            chain.push((
                self.names
                    .get(&f)
                    .cloned()
                    .unwrap_or_else(|| format!("{f:#x}")),
                self.frame(f),
            ));
            at = memo.get(&f).and_then(|&(_, next)| next);
        }
        (total, chain)
    }

    /// Everything reachable from the function at `root`.
    pub fn reach(&self, root: u64) -> Reach {
        self.reach_excluding(root, &[])
    }

    /// Everything reachable from the function at `root` without entering
    /// functions whose names contain one of `excluded` (they are listed as
    /// reached, but what they call is not followed).
    pub fn reach_excluding(&self, root: u64, excluded: &[&str]) -> Reach {
        let mut parent: BTreeMap<u64, u64> = BTreeMap::new();
        let mut seen = BTreeSet::from([root]);
        let mut queue = VecDeque::from([root]);
        let mut panic_at = None;
        while let Some(f) = queue.pop_front() {
            if panic_at.is_none() && self.names.get(&f).is_some_and(|n| is_panic_symbol(n)) {
                panic_at = Some(f);
            }
            let boundary = f != root
                && self
                    .names
                    .get(&f)
                    .is_some_and(|n| excluded.iter().any(|x| n.contains(x)));
            if boundary {
                continue;
            }
            for &t in self.edges.get(&f).into_iter().flatten() {
                if seen.insert(t) {
                    parent.insert(t, f);
                    queue.push_back(t);
                }
            }
        }
        let name = |a: u64| {
            self.names
                .get(&a)
                .cloned()
                .unwrap_or_else(|| format!("{a:#x}"))
        };
        let panic_path = panic_at.map(|mut a| {
            let mut path = vec![name(a)];
            while let Some(&p) = parent.get(&a) {
                path.push(name(p));
                a = p;
            }
            path.reverse();
            path
        });
        Reach {
            root: name(root),
            functions: seen.iter().map(|&a| name(a)).collect(),
            indirect: seen
                .iter()
                .filter(|&&a| {
                    a == root
                        || !self
                            .names
                            .get(&a)
                            .is_some_and(|n| excluded.iter().any(|x| n.contains(x)))
                })
                .flat_map(|&a| {
                    self.indirect
                        .get(&a)
                        .into_iter()
                        .flatten()
                        .map(move |i| (name(a), i.clone()))
                })
                .collect(),
            panic_path,
        }
    }
}
