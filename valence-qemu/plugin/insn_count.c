/*
 * insn_count: a QEMU TCG plugin (plugin API version 1, QEMU 7.2 and later)
 * that counts guest instructions exactly, for valence's cost measurements.
 *
 * Debian's QEMU has the plugin API compiled in but ships no header, so the
 * few declarations used are written out below. Build:
 *     gcc -O2 -shared -fPIC -o libinsn_count.so insn_count.c
 * Run:
 *     qemu-system-arm ... -plugin ./libinsn_count.so,out=FILE,region=NAME:BEGIN:END,...
 *
 * Arguments (key=value, repeatable where it makes sense):
 *   out=FILE             where the counts go (written at exit)
 *   region=NAME:B:E      a measured region: the instructions executed from
 *                        each entry into the function at address B to the
 *                        next entry into the function at address E, summed,
 *                        with the number of times it was entered
 *   profile=NAME         also count, per translation block start address,
 *                        the instructions executed while region NAME is open
 *   stack=LO:HI          track the lowest address stored to in [LO, HI)
 *                        (the deepest the stack went)
 *
 * Counting: every translation block adds its instruction count to a 64-bit
 * total with an inline operation when it starts executing (exact as long as
 * no exception leaves a block half way, which the measured code never does);
 * a region's count is the difference of the total between its markers.
 * Output lines: "total N", "region NAME ENTRIES INSNS", "stack_min ADDR",
 * "stack_min_pc ADDR" (the instruction that stored there), "pc ADDR INSNS".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plugin API, as declared by QEMU's qemu-plugin.h (version 1) ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef uint32_t qemu_plugin_meminfo_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info,
                                          uint64_t vaddr, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw,
                                      void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- state ---- */
#define MAX_REGIONS 16
#define MAX_PCS 65536

struct region {
    char name[32];
    uint64_t begin, end;
    uint64_t opened_at, insns, entries;
    int open;
};

struct pc_count {
    uint64_t pc, insns;
};

static uint64_t total;
static struct region regions[MAX_REGIONS];
static int n_regions;
static int profile_region = -1;
static struct pc_count pcs[MAX_PCS];
static uint64_t stack_lo, stack_hi, stack_min = UINT64_MAX, stack_min_pc;
static char out_path[4096];

static void on_marker(unsigned int vcpu, void *udata)
{
    uint64_t pc = (uint64_t)(uintptr_t)udata;
    (void)vcpu;
    for (int i = 0; i < n_regions; i++) {
        struct region *r = &regions[i];
        if (pc == r->begin && !r->open) {
            r->open = 1;
            r->opened_at = total;
            r->entries++;
        } else if (pc == r->end && r->open) {
            r->open = 0;
            r->insns += total - r->opened_at;
        }
    }
}

static void on_profiled_tb(unsigned int vcpu, void *udata)
{
    struct pc_count *c = udata;
    (void)vcpu;
    if (regions[profile_region].open) {
        c->insns += c->pc >> 48; /* the block's length is kept in the top bits */
    }
}

static struct pc_count *pc_slot(uint64_t pc)
{
    uint64_t h = (pc * 0x9E3779B97F4A7C15ull) >> 48;
    for (uint64_t i = 0; i < MAX_PCS; i++) {
        struct pc_count *c = &pcs[(h + i) % MAX_PCS];
        if (c->pc == 0 || (c->pc & 0xFFFFFFFFFFFFull) == pc) {
            return c;
        }
    }
    return NULL;
}

static void on_store(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu, (void)info;
    if (vaddr >= stack_lo && vaddr < stack_hi && vaddr < stack_min) {
        stack_min = vaddr;
        stack_min_pc = (uint64_t)(uintptr_t)udata;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    for (int i = 0; i < n_regions; i++) {
        if (pc == regions[i].begin || pc == regions[i].end) {
            qemu_plugin_register_vcpu_tb_exec_cb(tb, on_marker, QEMU_PLUGIN_CB_NO_REGS,
                                                 (void *)(uintptr_t)pc);
            break;
        }
    }
    if (profile_region >= 0) {
        struct pc_count *c = pc_slot(pc);
        if (c) {
            c->pc = pc | ((uint64_t)n << 48);
            qemu_plugin_register_vcpu_tb_exec_cb(tb, on_profiled_tb, QEMU_PLUGIN_CB_NO_REGS, c);
        }
    }
    if (stack_hi > stack_lo) {
        for (size_t i = 0; i < n; i++) {
            struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
            qemu_plugin_register_vcpu_mem_cb(insn, on_store, QEMU_PLUGIN_CB_NO_REGS,
                                             QEMU_PLUGIN_MEM_W,
                                             (void *)(uintptr_t)qemu_plugin_insn_vaddr(insn));
        }
    }
}

static void write_counts(qemu_plugin_id_t id, void *udata)
{
    FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
    (void)id, (void)udata;
    if (!f) {
        return;
    }
    fprintf(f, "total %llu\n", (unsigned long long)total);
    for (int i = 0; i < n_regions; i++) {
        fprintf(f, "region %s %llu %llu\n", regions[i].name,
                (unsigned long long)regions[i].entries, (unsigned long long)regions[i].insns);
    }
    if (stack_hi > stack_lo) {
        fprintf(f, "stack_min 0x%llx\n", (unsigned long long)stack_min);
        fprintf(f, "stack_min_pc 0x%llx\n", (unsigned long long)stack_min_pc);
    }
    if (profile_region >= 0) {
        for (size_t i = 0; i < MAX_PCS; i++) {
            if (pcs[i].pc && pcs[i].insns) {
                fprintf(f, "pc 0x%llx %llu\n", (unsigned long long)(pcs[i].pc & 0xFFFFFFFFFFFFull),
                        (unsigned long long)pcs[i].insns);
            }
        }
    }
    if (f != stderr) {
        fclose(f);
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info, int argc,
                                                               char **argv)
{
    const char *profile = NULL;
    (void)info;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "out=", 4) == 0) {
            snprintf(out_path, sizeof out_path, "%s", a + 4);
        } else if (strncmp(a, "region=", 7) == 0 && n_regions < MAX_REGIONS) {
            struct region *r = &regions[n_regions];
            char *colon;
            snprintf(r->name, sizeof r->name, "%s", a + 7);
            colon = strchr(r->name, ':');
            if (!colon) {
                fprintf(stderr, "insn_count: bad region %s\n", a);
                return -1;
            }
            *colon = 0;
            colon = strchr(a + 7, ':');
            r->begin = strtoull(colon + 1, &colon, 0);
            if (*colon != ':') {
                fprintf(stderr, "insn_count: bad region %s\n", a);
                return -1;
            }
            r->end = strtoull(colon + 1, NULL, 0);
            n_regions++;
        } else if (strncmp(a, "profile=", 8) == 0) {
            profile = a + 8;
        } else if (strncmp(a, "stack=", 6) == 0) {
            char *colon;
            stack_lo = strtoull(a + 6, &colon, 0);
            stack_hi = *colon == ':' ? strtoull(colon + 1, NULL, 0) : 0;
        } else {
            fprintf(stderr, "insn_count: unknown argument %s\n", a);
            return -1;
        }
    }
    if (profile) {
        for (int i = 0; i < n_regions; i++) {
            if (strcmp(regions[i].name, profile) == 0) {
                profile_region = i;
            }
        }
        if (profile_region < 0) {
            fprintf(stderr, "insn_count: no region %s to profile\n", profile);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_counts, NULL);
    return 0;
}
