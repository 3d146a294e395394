//! valence on a Raspberry Pi Pico (RP2040): a MAX9814 (or MAX4466)
//! microphone module read by an MCP3201 SPI ADC at 16 kHz, paced by the
//! RP2040's microsecond timer, readings and the microseconds each took
//! logged over defmt (RTT). See
//! README.md for the wiring and the flash command.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod timer_clock;
mod timer_pacer;

use defmt_rtt as _;
use embedded_hal_bus::spi::ExclusiveDevice;
use rp2040_hal as hal;
use static_cell::ConstStaticCell;

use hal::clocks::Clock;
use hal::fugit::RateExtU32;
use hal::gpio::{FunctionSpi, PinState};
use hal::pac;
use valence_core::sensor::DefaultSensor;
use valence_firmware::log::DefmtSink;
use valence_firmware::{AdcKind, AdcMicrophone, Mcp320x};

use crate::timer_clock::TimerClock;
use crate::timer_pacer::TimerPacer;

/// The second-stage bootloader for the Pico's W25Q080 flash.
#[link_section = ".boot2"]
#[used]
#[allow(unsafe_code)] // placing data in a linker section
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The model file chosen at build time, read in place from flash.
static MODEL: &[u8] = valence_firmware::include_model!();

/// The sensor lives in a static: unloaded, it is all zero bytes (in `.bss`,
/// no initialiser in flash), and `start_in_place` sets it up where it lies,
/// with no copy of it on the stack.
static SENSOR: ConstStaticCell<DefaultSensor<'static>> =
    ConstStaticCell::new(DefaultSensor::unloaded());

/// The Pico's crystal.
const XTAL_FREQ_HZ: u32 = 12_000_000;
/// Microphone sample rate; the model must have been trained at it.
const SAMPLE_RATE: u32 = 16_000;
/// SPI clock: 24 clocks per sample fit 16 kHz with room to spare, and stay
/// under the MCP3201's 1.6 MHz limit at 3.3 V.
const SPI_HZ: u32 = 1_000_000;

#[hal::entry]
fn main() -> ! {
    let Some(mut pac) = pac::Peripherals::take() else {
        halt()
    };
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let Ok(clocks) = hal::clocks::init_clocks_and_plls(
        XTAL_FREQ_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    ) else {
        defmt::error!("clock setup failed; halting");
        halt()
    };
    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(
        pac.IO_BANK0,
        pac.PADS_BANK0,
        sio.gpio_bank0,
        &mut pac.RESETS,
    );
    let timer = hal::Timer::new(pac.TIMER, &mut pac.RESETS, &clocks);

    // SPI0 on GP16 (MISO ← ADC Dout), GP18 (SCK), GP19 (MOSI → ADC Din,
    // unused by the MCP3201); chip select on GP17, driven by software.
    let miso = pins.gpio16.into_function::<FunctionSpi>();
    let sck = pins.gpio18.into_function::<FunctionSpi>();
    let mosi = pins.gpio19.into_function::<FunctionSpi>();
    let cs = pins.gpio17.into_push_pull_output_in_state(PinState::High);
    let bus = hal::Spi::<_, _, _, 8>::new(pac.SPI0, (mosi, miso, sck)).init(
        &mut pac.RESETS,
        clocks.peripheral_clock.freq(),
        SPI_HZ.Hz(),
        embedded_hal::spi::MODE_0,
    );
    let Ok(spi) = ExclusiveDevice::new(bus, cs, timer);
    let Ok(adc) = Mcp320x::new(spi, AdcKind::Mcp3201) else {
        defmt::error!("no such ADC channel; halting");
        halt()
    };
    let mut mic = AdcMicrophone::new(adc, TimerPacer::new(timer, SAMPLE_RATE), SAMPLE_RATE, 0);

    let sensor = SENSOR.take();
    if let Err(e) = valence_firmware::start_in_place(sensor, MODEL, SAMPLE_RATE) {
        defmt::error!("{}; halting", e);
        halt()
    }
    defmt::info!(
        "valence: model of {=usize} bytes, {=usize} MACs per reading",
        MODEL.len(),
        sensor.model().map_or(0, |m| m.macs())
    );
    let mut buf = [0i16; 256];
    // Each reading is logged with the microseconds the sensor took for it.
    let mut clock = TimerClock(timer);
    match valence_firmware::run_timed(sensor, &mut mic, &mut buf, &mut DefmtSink, &mut clock) {
        Ok(end) => defmt::info!("microphone stopped: {}", end),
        Err(_) => defmt::error!("SPI error; halting"),
    }
    halt()
}

/// A panic (none is reachable from the sensor loop; see the workspace tests)
/// is logged with its location and halts. Without `core::fmt`: the message
/// is not formatted, which keeps several KiB of formatting code out of flash.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    match info.location() {
        Some(at) => defmt::error!("panic at {=str}:{=u32}; halting", at.file(), at.line()),
        None => defmt::error!("panic; halting"),
    }
    halt()
}

/// Stops here for good, sleeping (a debugger can still attach).
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
