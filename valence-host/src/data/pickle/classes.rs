//! Which Python globals a data pickle may name, and what each one means.
//!
//! A pickle calls functions by name (`module.name` globals) when Python loads
//! it. valence never calls anything, but what a global is decides how
//! [`scan`](super::scan) treats it: numpy's array and dtype constructors and a
//! few builtin containers are data; callables that run code (`os.system`,
//! `builtins.eval`, `subprocess.*`, …) make the whole file refused; anything
//! else is an object of a class valence cannot read, reported by name with a
//! hint on how to convert it.

/// What a global named in a pickle is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// `numpy.dtype`: its construction is tracked so that the dtype survives.
    NumpyDtype,
    /// Data that serde-pickle rebuilds by itself: numpy's array and scalar
    /// constructors, `_codecs.encode`, `set`, `list`, …
    Data,
    /// A `dict` subclass (`collections.OrderedDict`, `defaultdict`): read as a dict.
    DictLike,
    /// `copyreg._reconstructor`: a plain object whose class is its first argument.
    Reconstructor,
    /// A callable that runs code when Python loads the pickle.
    Refused,
    /// Any other class or function.
    Unknown,
}

/// Builtins that only build data.
const DATA_BUILTINS: &[&str] = &[
    "set",
    "frozenset",
    "list",
    "tuple",
    "dict",
    "int",
    "float",
    "complex",
    "bool",
    "str",
    "bytes",
    "bytearray",
    "slice",
    "range",
    "object",
];

/// Modules whose callables run code, touch files or processes, or import more.
const REFUSED_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "shutil",
    "importlib",
    "runpy",
    "socket",
    "pty",
    "commands",
    "code",
    "codeop",
    "ctypes",
    "marshal",
    "pickle",
    "_pickle",
    "types",
    "functools",
    "operator",
    "io",
    "_io",
    "pathlib",
    "webbrowser",
    "multiprocessing",
    "threading",
    "asyncio",
    "tempfile",
    "glob",
    "platform",
    "signal",
    "urllib",
    "http",
    "requests",
    "timeit",
    "pdb",
    "bdb",
    "inspect",
    "site",
    "zipimport",
];

/// Classifies the global `module.name`.
pub fn classify(module: &str, name: &str) -> Class {
    let top = module.split('.').next().unwrap_or(module);
    match (module, name) {
        ("numpy", "dtype") => Class::NumpyDtype,
        ("numpy", "ndarray")
        | ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct" | "scalar")
        | ("numpy.core.numeric" | "numpy._core.numeric", "_frombuffer")
        | ("_codecs", "encode") => Class::Data,
        ("collections", "OrderedDict" | "defaultdict") => Class::DictLike,
        ("copyreg" | "copy_reg", "_reconstructor") => Class::Reconstructor,
        ("builtins" | "__builtin__", n) if DATA_BUILTINS.contains(&n) => Class::Data,
        ("builtins" | "__builtin__", _) => Class::Refused,
        _ if REFUSED_MODULES.contains(&top) => Class::Refused,
        _ => Class::Unknown,
    }
}

/// How to turn an object of class `module.name` into something valence reads.
pub fn conversion_hint(module: &str, name: &str) -> &'static str {
    let top = module.split('.').next().unwrap_or(module);
    match top {
        "pandas" if name.contains("Series") => {
            "pickle `series.to_numpy()` instead (for labels, e.g. `df['valence'].to_numpy()`)"
        }
        "pandas" => {
            "pickle numpy arrays instead: `{'features': df[feature_columns].to_numpy(), 'valence': df['valence'].to_numpy()}`"
        }
        "torch" => "pickle `tensor.numpy()` instead of the tensor",
        "numpy" => "convert it with `np.asarray(obj)` (masked arrays: `obj.filled(np.nan)`) before pickling",
        _ => {
            "convert it to numpy arrays, lists or a plain dict (e.g. `dict(obj)`, `np.asarray(obj)`) before pickling"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(classify("numpy", "dtype"), Class::NumpyDtype);
        assert_eq!(
            classify("numpy._core.multiarray", "_reconstruct"),
            Class::Data
        );
        assert_eq!(classify("numpy.core.multiarray", "scalar"), Class::Data);
        assert_eq!(classify("builtins", "set"), Class::Data);
        assert_eq!(classify("builtins", "eval"), Class::Refused);
        assert_eq!(classify("__builtin__", "getattr"), Class::Refused);
        assert_eq!(classify("os", "system"), Class::Refused);
        assert_eq!(classify("posix", "system"), Class::Refused);
        assert_eq!(classify("subprocess", "Popen"), Class::Refused);
        assert_eq!(classify("os.path", "join"), Class::Refused);
        assert_eq!(classify("pandas", "DataFrame"), Class::Unknown);
        assert_eq!(classify("collections", "OrderedDict"), Class::DictLike);
        assert!(conversion_hint("pandas", "DataFrame").contains("to_numpy()"));
        assert!(conversion_hint("mylib", "Thing").contains("dict(obj)"));
    }
}
