//! numpy element types: names, byte order, and decoding raw array bytes.
//!
//! Both readers end here: a pickle's dtype arrives as the descriptor that
//! [`scan`](super::scan) recovered (`'<f8'`), a `.npy` header carries the same
//! descriptor, and the raw bytes after it are decoded into exact values
//! ([`ArrayData`]): integers stay integers, floats become `f64` exactly.

use std::fmt;

use anyhow::{bail, Result};
use half::f16;

use super::array::ArrayData;

/// A numpy element type that valence reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// `float16`.
    F16,
    /// `float32`.
    F32,
    /// `float64` (also Python `float`).
    F64,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`.
    I32,
    /// `int64` (also Python `int`).
    I64,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32`.
    U32,
    /// `uint64`.
    U64,
    /// `bool` (values 0 and 1).
    Bool,
}

/// Byte order of multi-byte elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `'<'` (also `'|'`, for one-byte types).
    Little,
    /// `'>'`.
    Big,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 | DType::Bool => 1,
            DType::F16 | DType::I16 | DType::U16 => 2,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F64 | DType::I64 | DType::U64 => 8,
        }
    }

    /// numpy's name for the type (`"float32"`, `"int64"`, …).
    pub fn name(self) -> &'static str {
        match self {
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::Bool => "bool",
        }
    }

    /// Whether values are floating point.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    /// Parses a numpy type descriptor such as `'<f8'`, `'>i4'`, `'|u1'`, `'|b1'`.
    ///
    /// Anything else (strings, objects, complex, dates, structured records)
    /// is an error that names the type.
    pub fn parse_descr(descr: &str) -> Result<(DType, ByteOrder)> {
        let mut chars = descr.chars();
        let order = match chars.next() {
            Some('<' | '|') => ByteOrder::Little,
            Some('>') => ByteOrder::Big,
            _ => bail!("numpy dtype {descr:?} has no byte order: the file is corrupt"),
        };
        let dtype = match chars.as_str() {
            "f2" => DType::F16,
            "f4" => DType::F32,
            "f8" => DType::F64,
            "i1" => DType::I8,
            "i2" => DType::I16,
            "i4" => DType::I32,
            "i8" => DType::I64,
            "u1" => DType::U8,
            "u2" => DType::U16,
            "u4" => DType::U32,
            "u8" => DType::U64,
            "b1" => DType::Bool,
            other => bail!(
                "numpy dtype {other:?} is not a number type valence reads (float16/32/64, \
                 int8–64, uint8–64, bool){}",
                match other.chars().next() {
                    Some('O') =>
                        ": an object array; if it holds per-clip arrays, pickle them as a list",
                    Some('V') => ": a structured (record) array; pickle one plain array per field",
                    Some('U' | 'S') => ": text; pickle numbers only",
                    Some('c') => ": complex; pickle magnitudes or power (np.abs(x)**2)",
                    _ => "",
                }
            ),
        };
        Ok((dtype, order))
    }

    /// Decodes `bytes` (whole elements in the given byte order) into exact values.
    pub fn decode(self, order: ByteOrder, bytes: &[u8]) -> Result<ArrayData> {
        let size = self.size();
        if !bytes.len().is_multiple_of(size) {
            bail!(
                "{} bytes of {} data is not a whole number of {size}-byte elements: the file is corrupt",
                bytes.len(),
                self.name()
            );
        }
        fn elems<const N: usize>(
            bytes: &[u8],
            order: ByteOrder,
        ) -> impl Iterator<Item = [u8; N]> + '_ {
            bytes.chunks_exact(N).map(move |c| {
                let mut a: [u8; N] = c.try_into().expect("chunk of N");
                if order == ByteOrder::Big {
                    a.reverse();
                }
                a
            })
        }
        let b = bytes;
        Ok(match self {
            DType::F16 => ArrayData::F64(
                elems::<2>(b, order)
                    .map(|a| f16::from_le_bytes(a).to_f64())
                    .collect(),
            ),
            DType::F32 => ArrayData::F64(
                elems::<4>(b, order)
                    .map(|a| f32::from_le_bytes(a) as f64)
                    .collect(),
            ),
            DType::F64 => ArrayData::F64(elems::<8>(b, order).map(f64::from_le_bytes).collect()),
            DType::I8 => ArrayData::I64(b.iter().map(|&x| x as i8 as i64).collect()),
            DType::I16 => ArrayData::I64(
                elems::<2>(b, order)
                    .map(|a| i16::from_le_bytes(a) as i64)
                    .collect(),
            ),
            DType::I32 => ArrayData::I64(
                elems::<4>(b, order)
                    .map(|a| i32::from_le_bytes(a) as i64)
                    .collect(),
            ),
            DType::I64 => ArrayData::I64(elems::<8>(b, order).map(i64::from_le_bytes).collect()),
            DType::U8 => ArrayData::U64(b.iter().map(|&x| x as u64).collect()),
            DType::Bool => ArrayData::U64(b.iter().map(|&x| (x != 0) as u64).collect()),
            DType::U16 => ArrayData::U64(
                elems::<2>(b, order)
                    .map(|a| u16::from_le_bytes(a) as u64)
                    .collect(),
            ),
            DType::U32 => ArrayData::U64(
                elems::<4>(b, order)
                    .map(|a| u32::from_le_bytes(a) as u64)
                    .collect(),
            ),
            DType::U64 => ArrayData::U64(elems::<8>(b, order).map(u64::from_le_bytes).collect()),
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_decodes_each_type() {
        let (d, o) = DType::parse_descr(">i2").unwrap();
        assert_eq!((d, o), (DType::I16, ByteOrder::Big));
        assert_eq!(
            d.decode(o, &[0xff, 0xfe, 0x00, 0x07]).unwrap(),
            ArrayData::I64(vec![-2, 7])
        );
        let (d, o) = DType::parse_descr("<f2").unwrap();
        assert_eq!(
            d.decode(o, &[0x00, 0x3c, 0x00, 0xc0]).unwrap(),
            ArrayData::F64(vec![1.0, -2.0])
        );
        let (d, o) = DType::parse_descr("|b1").unwrap();
        assert_eq!(
            d.decode(o, &[0, 1, 2]).unwrap(),
            ArrayData::U64(vec![0, 1, 1])
        );
        assert_eq!(DType::parse_descr("<u8").unwrap().0.to_string(), "uint64");
        let e = DType::parse_descr("|O8").unwrap_err().to_string();
        assert!(e.contains("object array"), "{e}");
        assert!(DType::parse_descr("?f8").is_err());
        assert!(DType::F32.decode(ByteOrder::Little, &[0; 5]).is_err());
    }
}
