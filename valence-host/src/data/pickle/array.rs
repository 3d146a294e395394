//! [`NdArray`]: a numeric array read from Python, exactly as it was.
//!
//! What every reader produces (numpy arrays in pickles, `.npy`/`.npz`
//! members, plain Python lists) and what the layout step assembles into
//! features and labels. Values are kept exact: integer arrays stay integers,
//! floats are `f64` (every float16/32/64 value is exact in `f64`), and the
//! numpy dtype is recorded. Elements are always in C (row-major) order.

use anyhow::{bail, Result};

use super::dtype::DType;

/// The elements of an [`NdArray`], in C order.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// float16, float32 and float64 values.
    F64(Vec<f64>),
    /// Signed integers.
    I64(Vec<i64>),
    /// Unsigned integers and booleans.
    U64(Vec<u64>),
}

impl ArrayData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            ArrayData::F64(v) => v.len(),
            ArrayData::I64(v) => v.len(),
            ArrayData::U64(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` as `f64` (integers beyond 2^53 round).
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            ArrayData::F64(v) => v[i],
            ArrayData::I64(v) => v[i] as f64,
            ArrayData::U64(v) => v[i] as f64,
        }
    }

    /// The elements `range` of the same kind.
    fn slice(&self, range: std::ops::Range<usize>) -> ArrayData {
        match self {
            ArrayData::F64(v) => ArrayData::F64(v[range].to_vec()),
            ArrayData::I64(v) => ArrayData::I64(v[range].to_vec()),
            ArrayData::U64(v) => ArrayData::U64(v[range].to_vec()),
        }
    }

    /// Reorders the elements by `perm` (new position `i` takes old `perm[i]`).
    fn permute(&self, perm: &[usize]) -> ArrayData {
        match self {
            ArrayData::F64(v) => ArrayData::F64(perm.iter().map(|&i| v[i]).collect()),
            ArrayData::I64(v) => ArrayData::I64(perm.iter().map(|&i| v[i]).collect()),
            ArrayData::U64(v) => ArrayData::U64(perm.iter().map(|&i| v[i]).collect()),
        }
    }
}

/// A numeric array read from Python: exact values, shape, and the numpy dtype it had.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// Shape, outermost dimension first (empty for a scalar).
    pub shape: Vec<usize>,
    /// The numpy dtype of the source (Python floats are float64, ints int64).
    pub dtype: DType,
    /// The elements in C (row-major) order.
    pub data: ArrayData,
}

impl NdArray {
    /// An array from C-ordered data; checks that the shape fits the data.
    pub fn new(shape: Vec<usize>, dtype: DType, data: ArrayData) -> Result<NdArray> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            bail!(
                "an array of shape {} needs {n} values but {} were found: the file is corrupt",
                shape_text(&shape),
                data.len()
            );
        }
        Ok(NdArray { shape, dtype, data })
    }

    /// An array from Fortran-ordered (column-major) data, stored in C order.
    pub fn from_fortran(shape: Vec<usize>, dtype: DType, data: ArrayData) -> Result<NdArray> {
        let a = NdArray::new(shape, dtype, data)?;
        if a.shape.len() < 2 {
            return Ok(a);
        }
        // Column-major strides, then walk the C-order indices.
        let mut strides = vec![1usize; a.shape.len()];
        for d in 1..a.shape.len() {
            strides[d] = strides[d - 1] * a.shape[d - 1];
        }
        let n = a.len();
        let mut perm = Vec::with_capacity(n);
        let mut index = vec![0usize; a.shape.len()];
        for _ in 0..n {
            perm.push(index.iter().zip(&strides).map(|(i, s)| i * s).sum());
            for d in (0..a.shape.len()).rev() {
                index[d] += 1;
                if index[d] < a.shape[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        let data = a.data.permute(&perm);
        Ok(NdArray { data, ..a })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The values as `f64`.
    pub fn to_f64(&self) -> Vec<f64> {
        match &self.data {
            ArrayData::F64(v) => v.clone(),
            _ => (0..self.len()).map(|i| self.data.get_f64(i)).collect(),
        }
    }

    /// The values as `f32` (rounded to nearest).
    pub fn to_f32(&self) -> Vec<f32> {
        (0..self.len())
            .map(|i| self.data.get_f64(i) as f32)
            .collect()
    }

    /// Sub-array `i` along the first dimension (row `i` of a matrix).
    pub fn index(&self, i: usize) -> NdArray {
        let inner: usize = self.shape[1..].iter().product();
        NdArray {
            shape: self.shape[1..].to_vec(),
            dtype: self.dtype,
            data: self.data.slice(i * inner..(i + 1) * inner),
        }
    }

    /// The same values with a new shape of the same size.
    pub fn reshape(self, shape: Vec<usize>) -> Result<NdArray> {
        NdArray::new(shape, self.dtype, self.data)
    }

    /// The index along the first dimension of the first NaN or infinite
    /// value, with the value.
    pub fn first_non_finite(&self) -> Option<(usize, f64)> {
        let ArrayData::F64(v) = &self.data else {
            return None;
        };
        let inner: usize = self
            .shape
            .get(1..)
            .unwrap_or(&[])
            .iter()
            .product::<usize>()
            .max(1);
        v.iter()
            .position(|x| !x.is_finite())
            .map(|p| (p / inner, v[p]))
    }

    /// The shape as Python writes it: `(3, 4)`, `(5,)`, `()`.
    pub fn shape_text(&self) -> String {
        shape_text(&self.shape)
    }
}

/// A shape as Python writes it: `(3, 4)`, `(5,)`, `()`.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_order_becomes_c_order() {
        // np.arange(6).reshape(2, 3) in Fortran order is 0 3 1 4 2 5.
        let a = NdArray::from_fortran(
            vec![2, 3],
            DType::I64,
            ArrayData::I64(vec![0, 3, 1, 4, 2, 5]),
        )
        .unwrap();
        assert_eq!(a.data, ArrayData::I64(vec![0, 1, 2, 3, 4, 5]));
        // np.arange(24).reshape(2, 3, 4) in Fortran order.
        let f: Vec<i64> = (0..24)
            .map(|k| {
                let (i, j, l) = (k % 2, (k / 2) % 3, k / 6);
                (i * 12 + j * 4 + l) as i64
            })
            .collect();
        let a = NdArray::from_fortran(vec![2, 3, 4], DType::I64, ArrayData::I64(f)).unwrap();
        assert_eq!(a.data, ArrayData::I64((0..24).collect()));
        assert_eq!(a.index(1).shape, vec![3, 4]);
        assert_eq!(a.index(1).data.get_f64(0), 12.0);
    }

    #[test]
    fn shapes_and_non_finite_values() {
        assert_eq!(shape_text(&[5]), "(5,)");
        assert_eq!(shape_text(&[2, 3]), "(2, 3)");
        let a = NdArray::new(
            vec![3, 2],
            DType::F32,
            ArrayData::F64(vec![0.0, 1.0, 2.0, f64::NAN, 4.0, 5.0]),
        )
        .unwrap();
        assert_eq!(a.first_non_finite().map(|(i, _)| i), Some(1));
        assert!(NdArray::new(vec![4], DType::F32, ArrayData::F64(vec![0.0])).is_err());
    }
}
