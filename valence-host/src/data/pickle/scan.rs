//! The pre-scan: what serde-pickle forgets, written back into the stream.
//!
//! serde-pickle 1.2 parses the whole stream but drops two things we need:
//! global names (so it cannot say "this is a pandas DataFrame" or "this
//! calls `os.system`"), and numpy's dtype name. numpy pickles a dtype as
//! `numpy.dtype('f8', False, True)` followed by `BUILD` with the state
//! `(3, '<', None, …)`; serde-pickle's `BUILD` replaces the object by its
//! state, so the first array keeps the byte order but loses `'f8'`, and later
//! arrays, which reach the same dtype object through the pickle memo, keep
//! `'f8'` but lose the byte order. `f8` and `i8` would look alike.
//!
//! This module walks the instructions once, without executing anything, and
//! keeps a shadow of the unpickler's stack and memo that holds only what
//! matters here: short strings, globals, dtype objects, small tuples. It then
//! rewrites a handful of instructions so that serde-pickle, parsing the
//! rewritten stream, produces self-describing values:
//!
//! - each dtype construction (`REDUCE` on `numpy.dtype`) becomes the string
//!   [`DTYPE_TAG`]` + byte order + name` (e.g. `"\0numpy.dtype:<f8"`), and
//!   its `BUILD` becomes `POP`. The string is what the memo stores, so every
//!   later reference to the same dtype reads the full descriptor too;
//! - an object of any other class becomes the string [`OBJECT_TAG`]` +
//!   module.name`, and the instructions that fill it (`BUILD`, `SETITEMS`, …)
//!   become `POP`s, so a reader can name the class where it was found;
//! - `collections.OrderedDict`/`defaultdict` become plain dicts, and
//!   protocol 2's `bytes()` (empty array data) becomes empty bytes.
//!
//! A global that names a callable running code (see [`classes`]) stops the
//! scan with an error: the file is refused and nothing else is read.
//!
//! [`classes`]: super::classes

use std::borrow::Cow;
use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};

use super::classes::{classify, Class};
use super::opcodes::{code, read_op, Arg, Op};

/// Prefix of the strings that stand for numpy dtypes in the rewritten stream.
pub const DTYPE_TAG: &str = "\0numpy.dtype:";
/// Prefix of the strings that stand for objects of classes valence does not read.
pub const OBJECT_TAG: &str = "\0object:";

/// Strings longer than this are not kept in the shadow stack (array data
/// travels as long strings in protocol 2).
const MAX_KEPT_STRING: usize = 64;
/// Tuples longer than this are not kept in the shadow stack.
const MAX_KEPT_TUPLE: usize = 16;

/// What the shadow stack knows about one value.
#[derive(Debug, Clone)]
enum Item {
    Str(String),
    Null,
    Global(usize),
    Dtype(usize),
    Object,
    DictLike,
    Tuple(Vec<Item>),
    Other,
}

#[derive(Debug)]
struct DtypeInfo {
    name: String,
    byte_order: Option<char>,
    reduce_pos: usize,
    build_pos: Option<usize>,
}

/// One replaced instruction.
struct Rewrite {
    pos: usize,
    len: usize,
    with: Vec<u8>,
}

#[derive(Default)]
struct Scanner {
    stack: Vec<Item>,
    marks: Vec<usize>,
    memo: HashMap<u64, Item>,
    globals: Vec<(String, String)>,
    dtypes: Vec<DtypeInfo>,
    rewrites: Vec<Rewrite>,
}

/// Scans a pickle and returns the stream serde-pickle should parse (the input
/// itself when nothing needed rewriting).
///
/// Errors: truncated or corrupt streams (with the byte offset), pickles that
/// reference code-running callables, and pickle features a data file never
/// uses (persistent ids, extension codes, out-of-band buffers).
pub fn prepare(bytes: &[u8]) -> Result<Cow<'_, [u8]>> {
    let mut s = Scanner::default();
    let mut pos = 0;
    loop {
        let op = read_op(bytes, pos)?;
        pos += op.len;
        if op.code == code::STOP {
            break;
        }
        s.step(&op)?;
    }
    s.finish_dtypes();
    if s.rewrites.is_empty() {
        return Ok(Cow::Borrowed(bytes));
    }
    s.rewrites.sort_by_key(|r| r.pos);
    let mut out = Vec::with_capacity(bytes.len() + 64 * s.rewrites.len());
    let mut at = 0;
    for r in &s.rewrites {
        out.extend_from_slice(&bytes[at..r.pos]);
        out.extend_from_slice(&r.with);
        at = r.pos + r.len;
    }
    out.extend_from_slice(&bytes[at..]);
    Ok(Cow::Owned(out))
}

/// The instruction that pushes the string `s`.
fn string_op(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 5);
    if s.len() < 256 {
        v.extend_from_slice(&[code::SHORT_BINUNICODE, s.len() as u8]);
    } else {
        v.push(code::BINUNICODE);
        v.extend_from_slice(&(s.len() as u32).to_le_bytes());
    }
    v.extend_from_slice(s.as_bytes());
    v
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Scanner {
    fn underflow(op: &Op) -> anyhow::Error {
        anyhow!(
            "the pickle instruction at byte {} takes more values than there are: the file is corrupt",
            op.pos
        )
    }

    fn pop(&mut self, op: &Op) -> Result<Item> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return Err(Self::underflow(op));
        }
        Ok(self.stack.pop().expect("checked"))
    }

    fn pop_mark(&mut self, op: &Op) -> Result<Vec<Item>> {
        let mark = self.marks.pop().ok_or_else(|| Self::underflow(op))?;
        Ok(self.stack.split_off(mark))
    }

    fn top(&self) -> Option<&Item> {
        self.stack.last()
    }

    fn replace(&mut self, op: &Op, with: Vec<u8>) {
        self.rewrites.push(Rewrite {
            pos: op.pos,
            len: op.len,
            with,
        });
    }

    /// Rewrites `op` into `undo` when it fills an object we replaced by a tag.
    fn fill(&mut self, op: &Op, undo: &[u8]) {
        if matches!(self.top(), Some(Item::Object)) {
            self.replace(op, undo.to_vec());
        }
    }

    fn global(&mut self, op: &Op, module: String, name: String) -> Result<Item> {
        if classify(&module, &name) == Class::Refused {
            bail!(
                "refused: the pickle references the callable `{module}.{name}` (byte {}), which Python \
                 would call while loading it — a pickle that runs code rather than a data file. valence \
                 never executes pickled code and stopped reading here; nothing was run. Do not load this \
                 file with Python's pickle either; save the data as numpy arrays, lists and dicts",
                op.pos
            );
        }
        self.globals.push((module, name));
        Ok(Item::Global(self.globals.len() - 1))
    }

    fn memo_id(op: &Op) -> Result<u64> {
        match op.arg {
            Arg::Int(v) => Ok(v as u64),
            Arg::Bytes(line) => std::str::from_utf8(line)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .ok_or_else(|| anyhow!("bad memo index at byte {}: the file is corrupt", op.pos)),
            _ => unreachable!("memo instructions carry an index"),
        }
    }

    /// A constructor call (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `OBJ`, `INST`):
    /// `undo` removes its inputs from the stack when we replace the result.
    fn construct(&mut self, op: &Op, callable: &Item, args: Option<Item>, undo: &[u8]) {
        let Item::Global(g) = *callable else {
            self.stack.push(Item::Other);
            return;
        };
        let (module, name) = self.globals[g].clone();
        let object_of = |s: &mut Scanner, module: &str, name: &str| {
            let mut with = undo.to_vec();
            with.extend(string_op(&format!("{OBJECT_TAG}{module}.{name}")));
            s.replace(op, with);
            s.stack.push(Item::Object);
        };
        match classify(&module, &name) {
            Class::NumpyDtype if op.code == code::REDUCE => match args {
                Some(Item::Tuple(a)) if matches!(a.first(), Some(Item::Str(_))) => {
                    let Some(Item::Str(dtype_name)) = a.into_iter().next() else {
                        unreachable!()
                    };
                    self.dtypes.push(DtypeInfo {
                        name: dtype_name,
                        byte_order: None,
                        reduce_pos: op.pos,
                        build_pos: None,
                    });
                    self.stack.push(Item::Dtype(self.dtypes.len() - 1));
                }
                _ => object_of(self, &module, &name),
            },
            // Protocol 2 writes empty bytes as `bytes()`, which serde-pickle
            // would read as an empty tuple.
            Class::Data
                if name == "bytes" && matches!(&args, Some(Item::Tuple(a)) if a.is_empty()) =>
            {
                let mut with = undo.to_vec();
                with.extend([code::SHORT_BINBYTES, 0]);
                self.replace(op, with);
                self.stack.push(Item::Other);
            }
            Class::Data => self.stack.push(Item::Other),
            Class::DictLike => {
                let mut with = undo.to_vec();
                with.push(code::EMPTY_DICT);
                self.replace(op, with);
                self.stack.push(Item::DictLike);
            }
            Class::Reconstructor => match args {
                Some(Item::Tuple(a)) if matches!(a.first(), Some(Item::Global(_))) => {
                    let Some(Item::Global(c)) = a.first() else {
                        unreachable!()
                    };
                    let (m, n) = self.globals[*c].clone();
                    object_of(self, &m, &n)
                }
                _ => object_of(self, &module, &name),
            },
            Class::NumpyDtype | Class::Unknown | Class::Refused => object_of(self, &module, &name),
        }
    }

    fn step(&mut self, op: &Op) -> Result<()> {
        use code::*;
        match op.code {
            PROTO | FRAME => {}
            MARK => self.marks.push(self.stack.len()),
            POP => {
                let floor = self.marks.last().copied().unwrap_or(0);
                if self.stack.len() > floor {
                    self.stack.pop();
                } else {
                    self.pop_mark(op)?;
                }
            }
            POP_MARK => {
                self.pop_mark(op)?;
            }
            DUP => {
                let top = self.top().cloned().ok_or_else(|| Self::underflow(op))?;
                self.stack.push(top);
            }
            NONE => self.stack.push(Item::Null),
            FLOAT | INT | BININT | BININT1 | LONG | BININT2 | BINFLOAT | LONG1 | LONG4 | NEWTRUE
            | NEWFALSE | BINBYTES | SHORT_BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                self.stack.push(Item::Other)
            }
            STRING | BINSTRING | SHORT_BINSTRING | UNICODE | BINUNICODE | SHORT_BINUNICODE
            | BINUNICODE8 => {
                let Arg::Bytes(b) = op.arg else {
                    unreachable!()
                };
                let b = if op.code == STRING {
                    b.trim_ascii()
                        .strip_prefix(b"'")
                        .and_then(|b| b.strip_suffix(b"'"))
                        .unwrap_or(b)
                } else {
                    b
                };
                let item = match std::str::from_utf8(&b[..b.len().min(MAX_KEPT_STRING + 1)]) {
                    Ok(t) if t.len() <= MAX_KEPT_STRING => Item::Str(t.to_owned()),
                    _ => Item::Other,
                };
                self.stack.push(item);
            }
            EMPTY_DICT | EMPTY_LIST | EMPTY_SET => self.stack.push(Item::Other),
            EMPTY_TUPLE => self.stack.push(Item::Tuple(Vec::new())),
            DICT | LIST | FROZENSET => {
                self.pop_mark(op)?;
                self.stack.push(Item::Other);
            }
            TUPLE => {
                let items = self.pop_mark(op)?;
                self.stack.push(if items.len() <= MAX_KEPT_TUPLE {
                    Item::Tuple(items)
                } else {
                    Item::Other
                });
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = (op.code - TUPLE1 + 1) as usize;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop(op)?);
                }
                items.reverse();
                self.stack.push(Item::Tuple(items));
            }
            APPEND => {
                self.pop(op)?;
                self.fill(op, &[POP]);
            }
            SETITEM => {
                self.pop(op)?;
                self.pop(op)?;
                self.fill(op, &[POP, POP]);
            }
            APPENDS | SETITEMS | ADDITEMS => {
                self.pop_mark(op)?;
                self.fill(op, &[POP_MARK]);
            }
            GET | BINGET | LONG_BINGET => {
                let id = Self::memo_id(op)?;
                let item = self.memo.get(&id).cloned().ok_or_else(|| {
                    anyhow!(
                        "the pickle instruction at byte {} refers to memo entry {id}, which was never stored: the file is corrupt",
                        op.pos
                    )
                })?;
                self.stack.push(item);
            }
            PUT | BINPUT | LONG_BINPUT | MEMOIZE => {
                let id = if op.code == MEMOIZE {
                    self.memo.len() as u64
                } else {
                    Self::memo_id(op)?
                };
                let top = self.top().cloned().ok_or_else(|| Self::underflow(op))?;
                self.memo.insert(id, top);
            }
            GLOBAL => {
                let Arg::Lines(m, n) = op.arg else {
                    unreachable!()
                };
                let g = self.global(op, text(m), text(n))?;
                self.stack.push(g);
            }
            STACK_GLOBAL => {
                let name = self.pop(op)?;
                let module = self.pop(op)?;
                let (Item::Str(module), Item::Str(name)) = (module, name) else {
                    bail!(
                        "the pickle instruction at byte {} names a global by something other than two strings: the file is corrupt",
                        op.pos
                    );
                };
                let g = self.global(op, module, name)?;
                self.stack.push(g);
            }
            REDUCE => {
                let args = self.pop(op)?;
                let callable = self.pop(op)?;
                self.construct(op, &callable, Some(args), &[POP, POP]);
            }
            NEWOBJ => {
                let args = self.pop(op)?;
                let cls = self.pop(op)?;
                self.construct(op, &cls, Some(args), &[POP, POP]);
            }
            NEWOBJ_EX => {
                self.pop(op)?;
                let args = self.pop(op)?;
                let cls = self.pop(op)?;
                self.construct(op, &cls, Some(args), &[POP, POP, POP]);
            }
            OBJ => {
                let mut items = self.pop_mark(op)?.into_iter();
                let cls = items.next().ok_or_else(|| Self::underflow(op))?;
                self.construct(op, &cls, Some(Item::Tuple(items.collect())), &[POP_MARK]);
            }
            INST => {
                let Arg::Lines(m, n) = op.arg else {
                    unreachable!()
                };
                let cls = self.global(op, text(m), text(n))?;
                self.pop_mark(op)?;
                // INST has no class on the stack: only the arguments (to the mark) go.
                self.construct(op, &cls, None, &[POP_MARK]);
            }
            BUILD => {
                let state = self.pop(op)?;
                match self.top() {
                    Some(&Item::Dtype(i)) => {
                        let d = &mut self.dtypes[i];
                        d.build_pos = Some(op.pos);
                        if let Item::Tuple(t) = state {
                            if let Some(Item::Str(order)) = t.get(1) {
                                d.byte_order = order.chars().next();
                            }
                        }
                    }
                    Some(Item::Object | Item::DictLike) => self.replace(op, vec![POP]),
                    Some(_) => {}
                    None => return Err(Self::underflow(op)),
                }
            }
            PERSID | BINPERSID => bail!(
                "the pickle uses persistent ids (byte {}), as torch.save and custom picklers do: it \
                 is not a plain data pickle; save numpy arrays with pickle.dump or np.savez instead",
                op.pos
            ),
            EXT1 | EXT2 | EXT4 => bail!(
                "the pickle uses the copyreg extension registry (byte {}), which a data file never needs",
                op.pos
            ),
            NEXT_BUFFER | READONLY_BUFFER => bail!(
                "the pickle refers to out-of-band buffers (byte {}), which are not stored in the file; \
                 pickle without buffer_callback",
                op.pos
            ),
            other => bail!("unexpected pickle instruction 0x{other:02x} at byte {}", op.pos),
        }
        Ok(())
    }

    /// Turns every tracked dtype into its tag string.
    fn finish_dtypes(&mut self) {
        for d in std::mem::take(&mut self.dtypes) {
            let order = d.byte_order.unwrap_or('?');
            let mut with = vec![code::POP, code::POP];
            with.extend(string_op(&format!("{DTYPE_TAG}{order}{}", d.name)));
            self.rewrites.push(Rewrite {
                pos: d.reduce_pos,
                len: 1,
                with,
            });
            if let Some(pos) = d.build_pos {
                self.rewrites.push(Rewrite {
                    pos,
                    len: 1,
                    with: vec![code::POP],
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pickle.dumps(np.dtype('>i8'), protocol=2)` followed by a memo reference to it.
    const DTYPE_TWICE: &[u8] = b"\x80\x02cnumpy\ndtype\nq\x00X\x02\x00\x00\x00i8q\x01\x89\x88\x87q\x02Rq\x03(K\x03X\x01\x00\x00\x00>q\x04NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x05bh\x03\x86q\x06.";

    #[test]
    fn dtype_becomes_a_tag_everywhere_it_is_referenced() {
        let out = prepare(DTYPE_TWICE).unwrap();
        let v = serde_pickle::value_from_slice(
            &out,
            serde_pickle::DeOptions::new()
                .replace_unresolved_globals()
                .keep_restore_state(),
        )
        .unwrap();
        let tag = serde_pickle::Value::String(format!("{DTYPE_TAG}>i8"));
        assert_eq!(v, serde_pickle::Value::Tuple(vec![tag.clone(), tag]));
    }

    #[test]
    fn refuses_code_running_globals() {
        let evil = b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.";
        let e = prepare(evil).unwrap_err().to_string();
        assert!(e.contains("refused") && e.contains("posix.system"), "{e}");
    }

    #[test]
    fn corrupt_streams_are_errors() {
        let e = prepare(&DTYPE_TWICE[..40]).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = prepare(b"\x80\x02h\x07.").unwrap_err().to_string();
        assert!(e.contains("memo entry 7"), "{e}");
        let e = prepare(b"\x80\x02R.").unwrap_err().to_string();
        assert!(e.contains("corrupt"), "{e}");
    }
}
