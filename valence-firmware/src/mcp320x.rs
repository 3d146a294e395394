//! Driver for Microchip's single-supply SPI ADCs: MCP3201 (12 bits, one
//! input), MCP3202 (12 bits, two inputs) and MCP3008 (10 bits, eight inputs),
//! over an embedded-hal 1.0 [`SpiDevice`] (which owns chip select).
//!
//! SPI mode 0 (CPOL 0, CPHA 0), MSB first. One conversion is one SPI
//! transaction, single-ended:
//!
//! | part | bytes out | bytes in | code |
//! | --- | --- | --- | --- |
//! | MCP3201 | `00 00` | `r0 r1` | `(r0 & 0x1F) << 7 \| r1 >> 1` |
//! | MCP3202 | `01 (0xA0 \| ch << 6) 00` | `_ r1 r2` | `(r1 & 0x0F) << 8 \| r2` |
//! | MCP3008 | `01 ((0x8 \| ch) << 4) 00` | `_ r1 r2` | `(r1 & 0x03) << 8 \| r2` |
//!
//! (MCP3202: start bit, SGL = 1, ODD = channel, MSBF = 1. MCP3008: start
//! bit, SGL = 1, D2..D0 = channel.) Codes are unsigned: 0 at 0 V, full scale
//! at V_REF. At 16 kHz the MCP3201/3202 need an SPI clock of at least about
//! 0.5 MHz (24 clocks per sample with the pauses a byte-oriented HAL leaves);
//! their maximum is 1.6 MHz at 2.7 V (MCP3201/3202) and 1.35 MHz at 2.7 V
//! (MCP3008).

use embedded_hal::spi::SpiDevice;

/// Which part, and which input of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AdcKind {
    /// MCP3201: 12 bits, one differential input used as single-ended.
    Mcp3201,
    /// MCP3202: 12 bits, single-ended input `channel` (0 or 1).
    Mcp3202 {
        /// Input, 0 or 1.
        channel: u8,
    },
    /// MCP3008: 10 bits, single-ended input `channel` (0 to 7).
    Mcp3008 {
        /// Input, 0 to 7.
        channel: u8,
    },
}

impl AdcKind {
    /// Resolution in bits.
    pub const fn bits(self) -> u32 {
        match self {
            AdcKind::Mcp3201 | AdcKind::Mcp3202 { .. } => 12,
            AdcKind::Mcp3008 { .. } => 10,
        }
    }

    /// Number of inputs of the part.
    pub const fn channels(self) -> u8 {
        match self {
            AdcKind::Mcp3201 => 1,
            AdcKind::Mcp3202 { .. } => 2,
            AdcKind::Mcp3008 { .. } => 8,
        }
    }
}

/// The channel asked for does not exist on the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NoSuchChannel {
    /// The channel asked for.
    pub channel: u8,
    /// Inputs of the part.
    pub channels: u8,
}

/// An MCP3201/MCP3202/MCP3008 on an SPI bus.
#[derive(Debug)]
pub struct Mcp320x<SPI> {
    spi: SPI,
    kind: AdcKind,
}

impl<SPI: SpiDevice> Mcp320x<SPI> {
    /// A driver for `kind` on `spi`; refuses a channel the part lacks.
    pub fn new(spi: SPI, kind: AdcKind) -> Result<Self, NoSuchChannel> {
        let channel = match kind {
            AdcKind::Mcp3201 => 0,
            AdcKind::Mcp3202 { channel } | AdcKind::Mcp3008 { channel } => channel,
        };
        if channel >= kind.channels() {
            return Err(NoSuchChannel {
                channel,
                channels: kind.channels(),
            });
        }
        Ok(Mcp320x { spi, kind })
    }

    /// The part and input.
    pub fn kind(&self) -> AdcKind {
        self.kind
    }

    /// Gives the SPI device back.
    pub fn release(self) -> SPI {
        self.spi
    }

    /// One conversion: the unsigned code, `0 ..= 2^bits - 1`.
    pub fn read_code(&mut self) -> Result<u16, SPI::Error> {
        match self.kind {
            AdcKind::Mcp3201 => {
                let mut buf = [0u8; 2];
                self.spi.transfer_in_place(&mut buf)?;
                let [r0, r1] = buf;
                Ok(((r0 as u16 & 0x1F) << 7) | (r1 as u16 >> 1))
            }
            AdcKind::Mcp3202 { channel } => {
                let mut buf = [0x01, 0xA0 | ((channel & 1) << 6), 0x00];
                self.spi.transfer_in_place(&mut buf)?;
                let [_, r1, r2] = buf;
                Ok(((r1 as u16 & 0x0F) << 8) | r2 as u16)
            }
            AdcKind::Mcp3008 { channel } => {
                let mut buf = [0x01, (0x08 | (channel & 7)) << 4, 0x00];
                self.spi.transfer_in_place(&mut buf)?;
                let [_, r1, r2] = buf;
                Ok(((r1 as u16 & 0x03) << 8) | r2 as u16)
            }
        }
    }
}
