//! Pickle opcodes: splitting a pickle byte stream into instructions.
//!
//! The first step of reading a pickle. [`scan`](super::scan) walks the
//! instructions found here (without executing anything) to learn what
//! serde-pickle forgets; the byte positions and lengths let it rewrite single
//! instructions in place. The opcode values and argument encodings are those
//! of CPython's `pickletools` for protocols 0 to 5.

use anyhow::{bail, Result};

/// One instruction of a pickle stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Op<'a> {
    /// The opcode byte.
    pub code: u8,
    /// Byte offset of the opcode in the stream.
    pub pos: usize,
    /// Length of the whole instruction (opcode and argument) in bytes.
    pub len: usize,
    /// The decoded argument.
    pub arg: Arg<'a>,
}

/// The argument of an instruction.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// No argument.
    None,
    /// An integer (lengths are not reported here: they are part of `Bytes`).
    Int(i64),
    /// A byte string: text of a string opcode, raw bytes, or a text line.
    Bytes(&'a [u8]),
    /// Two text lines: module and name of `GLOBAL` and `INST`.
    Lines(&'a [u8], &'a [u8]),
}

/// Opcode values (CPython `pickle.py`).
#[allow(missing_docs)]
pub mod code {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const DUP: u8 = b'2';
    pub const FLOAT: u8 = b'F';
    pub const INT: u8 = b'I';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const LONG: u8 = b'L';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const PERSID: u8 = b'P';
    pub const BINPERSID: u8 = b'Q';
    pub const REDUCE: u8 = b'R';
    pub const STRING: u8 = b'S';
    pub const BINSTRING: u8 = b'T';
    pub const SHORT_BINSTRING: u8 = b'U';
    pub const UNICODE: u8 = b'V';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const GET: u8 = b'g';
    pub const BINGET: u8 = b'h';
    pub const INST: u8 = b'i';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const OBJ: u8 = b'o';
    pub const PUT: u8 = b'p';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    pub const PROTO: u8 = 0x80;
    pub const NEWOBJ: u8 = 0x81;
    pub const EXT1: u8 = 0x82;
    pub const EXT2: u8 = 0x83;
    pub const EXT4: u8 = 0x84;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const EMPTY_SET: u8 = 0x8f;
    pub const ADDITEMS: u8 = 0x90;
    pub const FROZENSET: u8 = 0x91;
    pub const NEWOBJ_EX: u8 = 0x92;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
    pub const BYTEARRAY8: u8 = 0x96;
    pub const NEXT_BUFFER: u8 = 0x97;
    pub const READONLY_BUFFER: u8 = 0x98;
}

/// How an opcode's argument is encoded.
enum Encoding {
    None,
    /// Little-endian unsigned integer of this many bytes (`BININT` is signed).
    Fixed(usize),
    /// Bytes preceded by a little-endian length of this many bytes.
    Counted(usize),
    /// One line of text.
    Line,
    /// Two lines of text.
    TwoLines,
}

fn encoding(op: u8) -> Option<Encoding> {
    use code::*;
    use Encoding as E;
    Some(match op {
        MARK | STOP | POP | POP_MARK | DUP | NONE | BINPERSID | REDUCE | APPEND | BUILD | DICT
        | EMPTY_DICT | APPENDS | LIST | EMPTY_LIST | OBJ | SETITEM | TUPLE | EMPTY_TUPLE
        | SETITEMS | NEWOBJ | TUPLE1 | TUPLE2 | TUPLE3 | NEWTRUE | NEWFALSE | EMPTY_SET
        | ADDITEMS | FROZENSET | NEWOBJ_EX | STACK_GLOBAL | MEMOIZE | NEXT_BUFFER
        | READONLY_BUFFER => E::None,
        BININT1 | BINGET | BINPUT | PROTO | EXT1 => E::Fixed(1),
        BININT2 | EXT2 => E::Fixed(2),
        BININT | LONG_BINGET | LONG_BINPUT | EXT4 => E::Fixed(4),
        BINFLOAT | FRAME => E::Fixed(8),
        SHORT_BINSTRING | SHORT_BINUNICODE | SHORT_BINBYTES | LONG1 => E::Counted(1),
        BINSTRING | BINUNICODE | BINBYTES | LONG4 => E::Counted(4),
        BINUNICODE8 | BINBYTES8 | BYTEARRAY8 => E::Counted(8),
        FLOAT | INT | LONG | PERSID | STRING | UNICODE | GET | PUT => E::Line,
        GLOBAL | INST => E::TwoLines,
        _ => return None,
    })
}

/// Reads the instruction at `pos`.
///
/// Errors name the byte offset: an unknown opcode (a corrupt file or not a
/// pickle) or an argument running past the end (a truncated file).
pub fn read_op(bytes: &[u8], pos: usize) -> Result<Op<'_>> {
    let Some(&op) = bytes.get(pos) else {
        bail!("the pickle ends at byte {pos} before its STOP instruction: the file is truncated");
    };
    let Some(enc) = encoding(op) else {
        bail!(
            "byte {pos} holds 0x{op:02x}, which is not a pickle instruction: the file is corrupt or not a pickle"
        );
    };
    let truncated = || {
        anyhow::anyhow!(
            "the pickle instruction at byte {pos} runs past the end of the file ({} bytes): the file is truncated",
            bytes.len()
        )
    };
    let rest = &bytes[pos + 1..];
    let take = |n: usize| rest.get(..n).ok_or_else(truncated);
    let line_end = |from: usize| -> Result<usize> {
        rest.get(from..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
            .map(|i| from + i)
            .ok_or_else(truncated)
    };
    let (arg, arg_len) = match enc {
        Encoding::None => (Arg::None, 0),
        Encoding::Fixed(n) => {
            let b = take(n)?;
            let v = if op == code::BININT {
                i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64
            } else {
                le_uint(b) as i64
            };
            (Arg::Int(v), n)
        }
        Encoding::Counted(n) => {
            let len = le_uint(take(n)?);
            let len = usize::try_from(len).map_err(|_| truncated())?;
            let data = rest
                .get(n..n.checked_add(len).ok_or_else(truncated)?)
                .ok_or_else(truncated)?;
            (Arg::Bytes(data), n + len)
        }
        Encoding::Line => {
            let end = line_end(0)?;
            (Arg::Bytes(&rest[..end]), end + 1)
        }
        Encoding::TwoLines => {
            let first = line_end(0)?;
            let second = line_end(first + 1)?;
            (
                Arg::Lines(&rest[..first], &rest[first + 1..second]),
                second + 1,
            )
        }
    };
    Ok(Op {
        code: op,
        pos,
        len: 1 + arg_len,
        arg,
    })
}

fn le_uint(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arguments_of_each_encoding() {
        let s = b"\x80\x04\x8c\x02f8J\xff\xff\xff\xffcnumpy\ndtype\n.";
        let op = read_op(s, 0).unwrap();
        assert_eq!((op.code, op.len, op.arg), (code::PROTO, 2, Arg::Int(4)));
        let op = read_op(s, 2).unwrap();
        assert_eq!((op.len, op.arg), (4, Arg::Bytes(b"f8")));
        let op = read_op(s, 6).unwrap();
        assert_eq!(op.arg, Arg::Int(-1));
        let op = read_op(s, 11).unwrap();
        assert_eq!(op.arg, Arg::Lines(b"numpy", b"dtype"));
        assert_eq!(op.len, 13);
        assert_eq!(read_op(s, 24).unwrap().code, code::STOP);
    }

    #[test]
    fn truncation_and_garbage_are_errors() {
        let e = read_op(b"\x8c\x09f8", 0).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = read_op(b"\xff", 0).unwrap_err().to_string();
        assert!(e.contains("not a pickle instruction"), "{e}");
        let e = read_op(b"", 0).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
    }
}
