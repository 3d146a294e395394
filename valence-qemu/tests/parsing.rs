//! The parsers of valence-qemu on known text: the plugin's output, objdump's
//! disassembly (call edges, frames, panic reachability, stack bound) and
//! the firmware's reading lines.

use std::time::Duration;

use valence_qemu::callgraph::{is_panic_symbol, CallGraph};
use valence_qemu::emulator::Output;
use valence_qemu::plugin::{read_counts, Region};

const DISASSEMBLY: &str = "
10000100 <main>:
10000100:\tpush\t{r4, r5, r7, lr}
10000102:\tldr\tr4, [pc, #8]\t@ (1000010c <main+0xc>)
10000104:\tadd\tsp, r4
10000106:\tbl\t10000200 <loop>
1000010a:\tb.n\t10000106 <main+0x6>
1000010c:\t.word\t0xffffe000

10000200 <loop>:
10000200:\tpush\t{r7, lr}
10000202:\tsub\tsp, #64\t@ 0x40
10000204:\tcbz\tr0, 10000210 <loop+0x10>
10000206:\tbl\t10000300 <helper>
1000020a:\tblx\tr3
1000020c:\tpop\t{r7, pc}
10000210:\tbx\tlr

10000300 <helper>:
10000300:\tvpush\t{d8-d9}
10000304:\tb.w\t10000400 <_ZN4core9panicking9panic_fmt17h0E>

10000400 <_ZN4core9panicking9panic_fmt17h0E>:
10000400:\tb.n\t10000400 <_ZN4core9panicking9panic_fmt17h0E>
";

#[test]
fn call_graph_finds_edges_frames_and_panics() {
    let g = CallGraph::parse(DISASSEMBLY);
    let main = g.find("main").unwrap();
    let lp = g.find("loop").unwrap();
    assert_eq!(g.frame(main), 16 + 0x2000);
    assert_eq!(g.frame(lp), 8 + 64);
    assert_eq!(g.frame(g.find("helper").unwrap()), 16);
    let reach = g.reach(lp);
    assert_eq!(reach.functions.len(), 3);
    assert_eq!(reach.indirect.len(), 1, "{:?}", reach.indirect);
    let path = reach.panic_path.unwrap();
    assert_eq!(path.first().unwrap(), "loop");
    assert!(is_panic_symbol(path.last().unwrap()));
    // Not entering `helper` cuts the way to the panic.
    let cut = g.reach_excluding(lp, &["helper"]);
    assert!(cut.panic_path.is_none());
    let (depth, chain) = g.max_stack(main);
    assert_eq!(depth, (16 + 0x2000) + 72 + 16);
    assert_eq!(chain.len(), 3); // panic_fmt takes no stack of its own
}

#[test]
fn plugin_output_is_read() {
    let path = std::env::temp_dir().join(format!("valence-qemu-parse-{}", std::process::id()));
    std::fs::write(
        &path,
        "total 1234\nregion mlp 16 6400\nregion empty 1 9\nstack_min 0x203f0000\nstack_min_pc 0x1f0\npc 0x100 77\n",
    )
    .unwrap();
    let c = read_counts(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(c.total, 1234);
    assert_eq!(
        c.regions["mlp"],
        Region {
            entries: 16,
            insns: 6400
        }
    );
    assert_eq!(c.stack_min, Some(0x203f_0000));
    assert_eq!(c.stack_min_pc, Some(0x1f0));
    assert_eq!(c.profile, vec![(0x100, 77)]);
}

#[test]
fn reading_lines_are_parsed_and_malformed_ones_refused() {
    let out = Output {
        status: 0,
        stdout:
            "model ok\nreading 0 33024 341442\nreading 1 49408 -5\ndone 50000 samples, 2 readings\n"
                .into(),
        stderr: String::new(),
        elapsed: Duration::ZERO,
    };
    let r = out.readings().unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[1].index, r[1].end_sample, r[1].value_q16),
        (1, 49408, -5)
    );
    let bad = Output {
        stdout: "reading 0 x 1\n".into(),
        ..out
    };
    assert!(bad.readings().is_err());
}
