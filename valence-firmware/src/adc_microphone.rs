//! An analog microphone module on an SPI ADC: the hobbyist's microphone.
//!
//! Wiring in one line: the module's output (MAX9814 `OUT`, MAX4466 `OUT`)
//! goes to the ADC's input (MCP3201 `IN+` with `IN−` to ground, or a
//! MCP3202/MCP3008 channel), the ADC's `V_REF` to the same 3.3 V as the
//! module, and the ADC to the SPI bus. Each sample: wait for its time
//! ([`Pacer`]), one conversion ([`Mcp320x`]), DC removal and scaling
//! ([`DcBlocker`]).

use embedded_hal::spi::SpiDevice;

use crate::dc_blocker::{DcBlocker, DEFAULT_POLE_SHIFT};
use crate::mcp320x::Mcp320x;
use crate::microphone::Microphone;
use crate::pacing::Pacer;

/// An analog microphone read through an MCP320x, paced by `P`.
#[derive(Debug)]
pub struct AdcMicrophone<SPI, P> {
    adc: Mcp320x<SPI>,
    pacer: P,
    dc: DcBlocker,
    sample_rate: u32,
}

impl<SPI: SpiDevice, P: Pacer> AdcMicrophone<SPI, P> {
    /// A microphone on `adc` delivering `sample_rate` Hz (which `pacer`
    /// must produce), with the default DC corner and `gain_shift` extra
    /// 6 dB steps (see [`crate::dc_blocker`]).
    pub fn new(adc: Mcp320x<SPI>, pacer: P, sample_rate: u32, gain_shift: u8) -> Self {
        let dc = DcBlocker::new(adc.kind().bits(), DEFAULT_POLE_SHIFT, gain_shift);
        AdcMicrophone {
            adc,
            pacer,
            dc,
            sample_rate,
        }
    }

    /// The DC blocker (its running mean shows the module's bias in codes).
    pub fn dc_blocker(&self) -> &DcBlocker {
        &self.dc
    }

    /// Gives the ADC and the pacer back.
    pub fn release(self) -> (Mcp320x<SPI>, P) {
        (self.adc, self.pacer)
    }
}

impl<SPI: SpiDevice, P: Pacer> Microphone for AdcMicrophone<SPI, P> {
    type Error = SPI::Error;

    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn read(&mut self, buf: &mut [i16]) -> Result<usize, Self::Error> {
        for sample in buf.iter_mut() {
            self.pacer.wait();
            let code = self.adc.read_code()?;
            *sample = self.dc.process(code);
        }
        Ok(buf.len())
    }
}
