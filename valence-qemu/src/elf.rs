//! Reading a linked firmware: symbols, and flash and RAM from its sections.
//!
//! Flash is every allocated section with contents (vector table, code,
//! read-only data and the initial values of `.data`, plus `.boot2` on the
//! RP2040); static RAM is every allocated writable section (`.data`, `.bss`,
//! `.uninit`). The stack is not in the ELF: [`crate::cost`] measures its
//! deepest point under emulation.

use std::path::Path;

use object::elf::{SHF_ALLOC, SHF_WRITE};
use object::{Object, ObjectSection, ObjectSymbol, SectionFlags, SectionKind};

use crate::{Error, Result};

/// A function or data symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The (mangled) name.
    pub name: String,
    /// Its address (Thumb bit cleared).
    pub address: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// An allocated section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its name.
    pub name: String,
    /// Load address.
    pub address: u64,
    /// Size in bytes.
    pub size: u64,
    /// Whether it takes flash (has contents in the image).
    pub in_flash: bool,
    /// Whether it takes RAM (writable).
    pub in_ram: bool,
}

/// A linked firmware image, read into memory.
#[derive(Debug)]
pub struct Firmware {
    bytes: Vec<u8>,
}

/// Flash and static RAM of a firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Bytes of flash.
    pub flash: u64,
    /// Bytes of statically allocated RAM.
    pub ram: u64,
    /// End of the statically allocated RAM (where the stack may grow down to).
    pub ram_end: u64,
}

impl Firmware {
    /// Reads an ELF file.
    pub fn open(path: &Path) -> Result<Self> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        object::File::parse(&*bytes)
            .map_err(|e| Error::new(format!("{}: not an ELF file: {e}", path.display())))?;
        Ok(Firmware { bytes })
    }

    fn file(&self) -> Result<object::File<'_>> {
        object::File::parse(&*self.bytes).map_err(|e| Error::new(e.to_string()))
    }

    /// Every symbol with a name.
    pub fn symbols(&self) -> Result<Vec<Symbol>> {
        Ok(self
            .file()?
            .symbols()
            .filter_map(|s| {
                let name = s.name().ok()?;
                (!name.is_empty()).then(|| Symbol {
                    name: name.to_string(),
                    address: s.address() & !1,
                    size: s.size(),
                })
            })
            .collect())
    }

    /// The one symbol whose name contains `part`.
    pub fn symbol_containing(&self, part: &str) -> Result<Symbol> {
        let mut found = self
            .symbols()?
            .into_iter()
            .filter(|s| s.name.contains(part));
        let first = found
            .next()
            .ok_or_else(|| Error::new(format!("no symbol named like {part:?}")))?;
        if found.any(|s| s.address != first.address) {
            return Err(Error::new(format!("several symbols named like {part:?}")));
        }
        Ok(first)
    }

    /// The allocated sections.
    pub fn sections(&self) -> Result<Vec<Section>> {
        Ok(self
            .file()?
            .sections()
            .filter_map(|s| {
                let SectionFlags::Elf { sh_flags } = s.flags() else {
                    return None;
                };
                if sh_flags & SHF_ALLOC as u64 == 0 || s.size() == 0 {
                    return None;
                }
                Some(Section {
                    name: s.name().unwrap_or("?").to_string(),
                    address: s.address(),
                    size: s.size(),
                    in_flash: s.kind() != SectionKind::UninitializedData,
                    in_ram: sh_flags & SHF_WRITE as u64 != 0,
                })
            })
            .collect())
    }

    /// Flash and static RAM.
    pub fn sizes(&self) -> Result<Sizes> {
        let sections = self.sections()?;
        let flash = sections.iter().filter(|s| s.in_flash).map(|s| s.size).sum();
        let ram = sections.iter().filter(|s| s.in_ram).map(|s| s.size).sum();
        let ram_end = sections
            .iter()
            .filter(|s| s.in_ram)
            .map(|s| s.address + s.size)
            .max()
            .unwrap_or(0);
        Ok(Sizes {
            flash,
            ram,
            ram_end,
        })
    }
}
