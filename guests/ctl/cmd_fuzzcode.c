/*
 * `fuzzcode SEED COUNT [FIRST]`: random guest code single-stepped until
 * COUNT instructions have run, from program FIRST (0) on (issue 14, "How
 * it is checked"; docs/control-partition.md). `fuzzcode SEED replay P
 * [FROM]` runs programs FROM (P) to P and traces every exit of P.
 *
 * One VM with a little RAM and one vCPU runs program after program. Each
 * program has its own random source (from SEED and its index, so any one
 * can be replayed), a CPU mode (real, big real, 16- and 32-bit protected
 * without paging, 32-bit paging, PAE, 64-bit and compatibility mode, the
 * last five also at CPL 3), the tables that mode needs, a page of random
 * code (fuzzcode_code.c), random registers with RIP at the code and a valid
 * stack (fuzzcode_machine.c). It runs single-stepped (KVM_DEBUG_GUEST: each
 * KVM_EXIT_DEBUG is one instruction) with KVM_BAREKVM_ALARM armed, IO, MMIO
 * and CPUID exits completed with random data, until HLT (every exception
 * handler is one), SHUTDOWN, EXCEPTION, a failed entry or an UNKNOWN exit,
 * STEP_LIMIT instructions, or, under SVM, the guard (fuzzcode_guard.c)
 * finding that the program broke what exception delivery needs.
 *
 * Every exit is tallied; every KVM_EXIT_TYPE_FAIL_ENTRY and KVM_EXIT_UNKNOWN
 * is a defect (a guest must never cause one) and counted by cause (the
 * hardware reason and the opcode at RIP), the first of each printed with
 * its reproducer. Control partition only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guests/ctl/cli.h"
#include "guests/ctl/ctl.h"
#include "guests/ctl/fuzzcode.h"
#include "guests/ctl/kvm_client.h"
#include "guests/ctl/vmm.h"

#define MAX_COUNT        100000000ULL
#define STEP_LIMIT       256            /* instructions per program */
#define RUN_LIMIT        1024           /* KVM_RUNs per program */
#define ALARM_SECONDS    1              /* a step that takes longer hangs */
#define ALARM_EVERY      32             /* steps between re-arming it */
#define MAX_CAUSES       256
#define SHOWN_PER_CAUSE  1
#define MAX_GUARDS       16
#define EXIT_KINDS       10             /* kvm.h's 0-8 and "other" */
#define BYTES_SHOWN      15
#define OPCODE_NAME      24

enum end {
	END_HLT, END_HANDLER, END_SHUTDOWN, END_EXCEPTION, END_STEPS, END_RUNS,
	END_GUARD, END_FAIL_ENTRY, END_UNKNOWN, END_ALARM, END_ERROR, END_KINDS
};

static const char *const end_names[END_KINDS] = {
	"hlt", "handler", "shutdown", "exception", "step-limit", "run-limit",
	"guard", "fail-entry", "unknown", "alarm", "error",
};

struct cause {
	uint32_t exit_type, hw_reason;
	char what[OPCODE_NAME];         /* the opcode at RIP, or "fetch" */
	uint64_t count, first;          /* first: its program */
};

struct fuzzcode {
	uint64_t seed, index;
	bool trace;
	bool guarded;                   /* the guard runs after every step */
	struct fc_machine m;
	uint64_t instructions, programs, runs;
	uint64_t exits[EXIT_KINDS], fail_entry, unknown;
	uint64_t ends[END_KINDS], mode_insns[FC_MODES], vectors[256];
	struct cause causes[MAX_CAUSES];
	struct { const char *why; uint64_t count; } guards[MAX_GUARDS];
};

static struct fuzzcode fz;

static void renew_machine(void);

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Program index's own source: replaying one needs only SEED and index. */
static struct fc_rng program_rng(uint64_t seed, uint64_t index)
{
	uint64_t s = splitmix(seed ^ splitmix(index + 1));

	return (struct fc_rng){ s ? s : 1 };
}

/* ---- tallies ------------------------------------------------------------- */

/* Counts a FAIL_ENTRY or UNKNOWN by hardware reason and what was at RIP;
 * true if its reproducer is to be shown. */
static bool note_cause(uint32_t type, uint32_t hw, const char *what)
{
	for (int i = 0; i < MAX_CAUSES; i++) {
		struct cause *c = &fz.causes[i];
		if (!c->count) {
			*c = (struct cause){ .exit_type = type, .hw_reason = hw, .first = fz.index };
			snprintf(c->what, sizeof(c->what), "%s", what);
		}
		if (c->exit_type == type && c->hw_reason == hw && !strcmp(c->what, what))
			return ++c->count <= SHOWN_PER_CAUSE;
	}
	return true;                            /* more causes than slots */
}

static void note_guard(const char *why)
{
	for (int i = 0; i < MAX_GUARDS; i++) {
		if (!fz.guards[i].why)
			fz.guards[i].why = why;
		if (fz.guards[i].why == why) {
			fz.guards[i].count++;
			return;
		}
	}
}

/* ---- reporting a defect -------------------------------------------------- */

static uint64_t linear_rip(const struct kvm_sregs *s, const struct kvm_regs *g)
{
	bool code64 = (s->efer & 0x400) && s->cs.l;

	return code64 ? g->rip : s->cs.base + (uint32_t)g->rip;
}

/* The bytes at a linear address (-1 where not RAM): the paging modes map
 * [0, 4 MiB) 1:1, beyond that nothing is mapped. */
static void bytes_at(uint64_t linear, const struct kvm_sregs *s, int out[BYTES_SHOWN])
{
	bool known = !(s->cr0 & 0x80000000ULL) || linear < FC_MAPPED_END;

	for (int i = 0; i < BYTES_SHOWN; i++)
		out[i] = known ? fc_read_gpa(&fz.m, linear + (uint64_t)i) : -1;
}

static void print_bytes(const int b[BYTES_SHOWN])
{
	for (int i = 0; i < BYTES_SHOWN; i++)
		printf(b[i] < 0 ? " ??" : " %02x", b[i]);
}

static bool is_prefix(int b, bool code64)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65 ||
	       (code64 && (b & 0xf0) == 0x40);
}

/* One-byte and 0F opcodes whose ModRM.reg picks the instruction (SDM Vol.
 * 2D A.4, opcode extensions). */
static bool is_group(int op, bool two_byte)
{
	if (two_byte)
		return op == 0x00 || op == 0x01 || op == 0x18 || (op >= 0x71 && op <= 0x73) ||
		       op == 0xae || op == 0xba || op == 0xc7;
	return (op >= 0x80 && op <= 0x83) || op == 0x8f || op == 0xc0 || op == 0xc1 ||
	       op == 0xc6 || op == 0xc7 || (op >= 0xd0 && op <= 0xdf) || op == 0xf6 ||
	       op == 0xf7 || op == 0xfe || op == 0xff;
}

/* Names the opcode (prefixes skipped): "0f 01 /6", "0f 01 d9", "8b", "x87"
 * for D8-DF; "fetch" if RIP is not in RAM. */
static void opcode_name(const int b[BYTES_SHOWN], bool code64, char *out, size_t len)
{
	int i = 0;

	while (i < BYTES_SHOWN - 4 && b[i] >= 0 && is_prefix(b[i], code64))
		i++;
	if (b[i] < 0 || b[i + 1] < 0 || b[i + 2] < 0) {
		snprintf(out, len, "fetch");
		return;
	}
	bool two = b[i] == 0x0f;
	int op = two ? b[i + 1] : b[i], modrm = two ? b[i + 2] : b[i + 1];
	if (!two && op >= 0xd8 && op <= 0xdf) {
		snprintf(out, len, "x87");      /* one cause, not 64 */
		return;
	}
	int n = two ? snprintf(out, len, "0f %02x", op) : snprintf(out, len, "%02x", op);
	if (two && (op == 0x38 || op == 0x3a))
		snprintf(out + n, len - (size_t)n, " %02x", modrm);
	else if (is_group(op, two) && (modrm >> 6) == 3 && two && op == 0x01)
		snprintf(out + n, len - (size_t)n, " %02x", modrm);     /* 0f 01 d9 */
	else if (is_group(op, two))
		snprintf(out + n, len - (size_t)n, " /%d", (modrm >> 3) & 7);
}

/* Counts a failed entry or UNKNOWN exit and shows the first few of each
 * cause: the command that replays it and the state at RIP. */
static void report(const char *what, uint32_t type, uint32_t hw, const struct fc_program *p,
		   uint64_t step)
{
	struct kvm_regs g;
	struct kvm_sregs s;
	int b[BYTES_SHOWN];
	char op[OPCODE_NAME] = "?";

	if (kvm_get_regs(fz.m.vcpu, &g) < 0 || kvm_get_sregs(fz.m.vcpu, &s) < 0) {
		if (note_cause(type, hw, op))
			printf("fuzzcode: %s hw %#x: fuzzcode %llu replay %llu (registers unreadable)\n",
			       what, hw, (unsigned long long)fz.seed, (unsigned long long)fz.index);
		return;
	}
	uint64_t lin = linear_rip(&s, &g);
	bytes_at(lin, &s, b);
	opcode_name(b, (s.efer & 0x400) && s.cs.l, op, sizeof(op));
	if (g.rflags & 0x20000) {               /* virtual-8086 mode */
		char v86[OPCODE_NAME];
		snprintf(v86, sizeof(v86), "v86 %s", op);
		memcpy(op, v86, sizeof(op));
	}
	if (!note_cause(type, hw, op))
		return;
	printf("fuzzcode: %s hw %#x (%s): fuzzcode %llu replay %llu: step %llu, %s cpl %d, "
	       "cs %#x:%#llx cr0 %#llx cr4 %#llx efer %#llx gdt %#llx idt %#llx, bytes at %#llx:",
	       what, hw, op, (unsigned long long)fz.seed, (unsigned long long)fz.index,
	       (unsigned long long)step, fc_mode_name(p->mode), p->cpl, s.cs.selector,
	       (unsigned long long)g.rip, (unsigned long long)s.cr0, (unsigned long long)s.cr4,
	       (unsigned long long)s.efer, (unsigned long long)s.gdt.base,
	       (unsigned long long)s.idt.base, (unsigned long long)lin);
	print_bytes(b);
	printf("\n");
}

static void trace_exit(const struct kvm_run *kr, uint64_t step)
{
	struct kvm_regs g;
	struct kvm_sregs s;

	if (kvm_get_regs(fz.m.vcpu, &g) < 0 || kvm_get_sregs(fz.m.vcpu, &s) < 0)
		return;
	int b[BYTES_SHOWN];
	bytes_at(linear_rip(&s, &g), &s, b);
	printf("fuzzcode: step %llu: %s cs %#x:%#llx rsp %#llx cr0 %#llx efer %#llx:",
	       (unsigned long long)step, kvm_exit_reason_name(kr->exit_reason), s.cs.selector,
	       (unsigned long long)g.rip, (unsigned long long)g.rsp, (unsigned long long)s.cr0,
	       (unsigned long long)s.efer);
	print_bytes(b);
	printf("\n");
}

static void trace_start(const struct fc_program *p)
{
	int b[BYTES_SHOWN];
	const uint64_t *g = &p->regs.rax;

	bytes_at(linear_rip(&p->sregs, &p->regs), &p->sregs, b);
	printf("fuzzcode: start: cs %#x:%#llx rflags %#llx cr0 %#llx cr4 %#llx efer %#llx:",
	       p->sregs.cs.selector, (unsigned long long)p->regs.rip,
	       (unsigned long long)p->regs.rflags, (unsigned long long)p->sregs.cr0,
	       (unsigned long long)p->sregs.cr4, (unsigned long long)p->sregs.efer);
	print_bytes(b);
	const struct kvm_sregs *s = &p->sregs;
	const struct kvm_segment *segs[] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
					     &s->tr, &s->ldt };
	printf("\nfuzzcode: start: cr3 %#llx", (unsigned long long)s->cr3);
	for (int i = 0; i < 8; i++)
		printf(" %x/%llx/%x/%x%s", segs[i]->selector, (unsigned long long)segs[i]->base,
		       segs[i]->limit, segs[i]->type | segs[i]->s << 4 | segs[i]->dpl << 5 |
		       segs[i]->present << 7 | segs[i]->l << 9 | segs[i]->db << 10 |
		       segs[i]->g << 11, segs[i]->unusable ? "u" : "");
	printf("\nfuzzcode: start:");
	for (int i = 0; i < 16; i++)
		printf(" %llx", (unsigned long long)g[i]);
	printf("\n");
}

/* ---- completing exits ---------------------------------------------------- */

/* IN: the device answers random data (OUT and string IO: nothing to do
 * beyond stepping over the instruction). */
static void complete_io(struct kvm_run *kr, struct fc_rng *r)
{
	struct kvm_regs g;

	if (kr->io.direction == KVM_EXIT_IO_IN && !kr->io.string && fc_chance(r, 50) &&
	    kvm_get_regs(fz.m.vcpu, &g) == 0) {
		uint64_t mask = kr->io.size >= 4 ? 0xffffffffULL : (1ULL << (8 * kr->io.size)) - 1;
		g.rax = (g.rax & ~mask) | (fc_rnd(r) & mask);
		if (kr->io.size >= 4)
			g.rax &= 0xffffffffULL;
		kvm_set_regs(fz.m.vcpu, &g);
	}
	kr->emulated = 1;
}

static void complete_cpuid(struct kvm_run *kr, struct fc_rng *r)
{
	kr->cpuid.eax = (uint32_t)fc_rnd(r);
	kr->cpuid.ebx = (uint32_t)fc_rnd(r);
	kr->cpuid.ecx = (uint32_t)fc_rnd(r);
	kr->cpuid.edx = (uint32_t)fc_rnd(r);
	kr->cpuid.completed = 1;
	kr->emulated = 1;
}

/* ---- one program --------------------------------------------------------- */

static enum fc_mode pick_mode(struct fc_rng *r, int *cpl)
{
	enum fc_mode mode = (enum fc_mode)fc_below(r, FC_MODES);
	bool ring3_ok = mode != FC_REAL && mode != FC_BIGREAL && mode != FC_PROT16;

	*cpl = ring3_ok && fc_chance(r, 30) ? 3 : 0;
	return mode;
}

/* The MSRs SYSENTER, SYSCALL and SWAPGS use: off, or into the code page. */
static void program_msrs(struct fc_rng *r)
{
	uint64_t code = FC_CODE + fc_below(r, FC_CODE_BYTES);
	bool on = fc_chance(r, 50);
	struct kvm_msr_entry e[] = {
		{ 0x174, 0, on ? FC_SEL_CODE32 : 0 },                   /* SYSENTER_CS */
		{ 0x175, 0, FC_STACK + 4 * fc_below(r, 0x1000) },       /* SYSENTER_ESP */
		{ 0x176, 0, code },                                     /* SYSENTER_EIP */
		{ 0xc0000081, 0, on ? (uint64_t)FC_SEL_CODE32 << 32 | (uint64_t)0x23 << 48 : 0 },
		{ 0xc0000082, 0, code },                                /* LSTAR */
		{ 0xc0000083, 0, code },                                /* CSTAR */
		{ 0xc0000084, 0, fc_rnd(r) & 0x3f7fd5 },                /* SFMASK */
		{ 0xc0000102, 0, FC_DATA },                             /* KERNEL_GS_BASE */
	};

	kvm_set_msrs(fz.m.vcpu, e, sizeof(e) / sizeof(e[0]));
}

static void arm_alarm(void)
{
	uint64_t hz = vmm_ctl_host.tsc_hz();

	if (hz)
		kvm_alarm(fz.m.vcpu, vmm_ctl_host.tsc() + ALARM_SECONDS * hz);
}

/* After a single step: the program goes on while the guard allows (where
 * it runs: see open_machine). */
static bool step_done(const struct fc_program *p, uint64_t steps)
{
	struct kvm_sregs s;
	struct kvm_regs g = { 0 };

	fz.instructions++;
	fz.mode_insns[p->mode]++;
	if (steps % ALARM_EVERY == 0)
		arm_alarm();
	if (!fz.guarded)
		return true;
	if (kvm_get_sregs(fz.m.vcpu, &s) < 0)
		return false;
	/* the stack matters in real mode and at CPL 0 outside long mode */
	bool stack = !(s.efer & 0x400) && (!(s.cr0 & 1) || s.ss.dpl == 0 || !(s.cs.selector & 3));
	if (stack && kvm_get_regs(fz.m.vcpu, &g) < 0)
		return false;
	const char *why = fc_unsafe(&fz.m, p, &s, &g);
	if (why) {
		note_guard(why);
		if (fz.trace)
			printf("fuzzcode: guard: %s\n", why);
	}
	return !why;
}

static enum end hlt_end(void)
{
	struct kvm_regs g;

	/* RIP is past the HLT; the handlers' CS base is 0 in every mode */
	if (kvm_get_regs(fz.m.vcpu, &g) < 0 || g.rip <= FC_HANDLERS || g.rip > FC_HANDLERS + 256)
		return END_HLT;
	fz.vectors[g.rip - FC_HANDLERS - 1]++;
	return END_HANDLER;
}

/* Completes the exit for the next KVM_RUN; returns the program's end, or
 * END_KINDS to go on. */
static enum end handle_exit(struct kvm_run *kr, const struct fc_program *p, uint64_t *steps,
			    struct fc_rng *r)
{
	kr->emulated = kr->mmio_completed = 0;
	if (kr->exit_type != KVM_EXIT_TYPE_VM_EXIT) {
		fz.fail_entry++;
		report("FAIL_ENTRY", kr->exit_type, kr->exit_reason, p, *steps);
		return END_FAIL_ENTRY;
	}
	fz.exits[kr->exit_reason < EXIT_KINDS - 1 ? kr->exit_reason : EXIT_KINDS - 1]++;
	switch (kr->exit_reason) {
	case KVM_EXIT_DEBUG:
		++*steps;
		if (!step_done(p, *steps))
			return END_GUARD;
		return *steps >= STEP_LIMIT ? END_STEPS : END_KINDS;
	case KVM_EXIT_IO:
		complete_io(kr, r);
		return END_KINDS;
	case KVM_EXIT_MMIO:
		fc_fill(r, kr->mmio.data, sizeof(kr->mmio.data));
		kr->mmio_completed = 1;
		return END_KINDS;
	case KVM_EXIT_CPUID:
		complete_cpuid(kr, r);
		return END_KINDS;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return END_KINDS;
	case KVM_EXIT_HLT:
		return hlt_end();
	case KVM_EXIT_SHUTDOWN:
		return END_SHUTDOWN;
	case KVM_EXIT_EXCEPTION:
		return END_EXCEPTION;
	default:
		fz.unknown++;
		report("UNKNOWN", KVM_EXIT_TYPE_VM_EXIT, kr->hw.hardware_exit_reason, p, *steps);
		return END_UNKNOWN;
	}
}

static enum end run_program(const struct fc_program *p, struct fc_rng *r)
{
	struct kvm_run kr;
	uint64_t steps = 0;

	memset(&kr, 0, sizeof(kr));
	/* the first instruction too (an IRETD into virtual-8086 mode) */
	const char *why = fz.guarded ? fc_unsafe(&fz.m, p, &p->sregs, &p->regs) : NULL;
	if (why) {
		note_guard(why);
		return END_GUARD;
	}
	for (int i = 0; i < RUN_LIMIT; i++) {
		fz.runs++;
		int rc = kvm_run_vcpu(fz.m.vcpu, &kr);
		if (rc == -EINTR) {
			printf("fuzzcode: alarm (a step that did not end): fuzzcode %llu replay %llu, "
			       "step %llu\n", (unsigned long long)fz.seed,
			       (unsigned long long)fz.index, (unsigned long long)steps);
			return END_ALARM;
		}
		if (rc < 0)
			return END_ERROR;
		enum end e = handle_exit(&kr, p, &steps, r);
		if (fz.trace)
			trace_exit(&kr, steps);
		if (e != END_KINDS)
			return e;
	}
	return END_RUNS;
}

/*
 * After an UNKNOWN exit or a failed entry the hypervisor may still hold an
 * event to deliver (one whose delivery the exit interrupted), and kvm.h
 * has no request to drop it: it would strike the next program's first
 * instruction, or fail its entry. So the vCPU first runs at a HLT in
 * 32-bit protected mode, where any vector reaches a handler (a HLT too).
 */
static void drain(void)
{
	struct fc_rng r = program_rng(fz.seed, ~1ULL);
	struct fc_program d = { .mode = FC_PROT32 };
	struct kvm_run kr;

	fc_program_setup(&fz.m, &d, &r);
	d.regs.rip = FC_HANDLERS;
	d.regs.rsp = FC_STACK;
	d.regs.rflags = 0x2;
	if (kvm_set_sregs(fz.m.vcpu, &d.sregs) < 0 || kvm_set_regs(fz.m.vcpu, &d.regs) < 0)
		return;
	memset(&kr, 0, sizeof(kr));
	for (int i = 0; i < 4; i++) {
		int rc = kvm_run_vcpu(fz.m.vcpu, &kr);
		if (rc < 0 || kr.exit_type != KVM_EXIT_TYPE_VM_EXIT || kr.exit_reason == KVM_EXIT_HLT)
			break;
	}
	if (kr.exit_type != KVM_EXIT_TYPE_VM_EXIT || kr.exit_reason != KVM_EXIT_HLT)
		printf("fuzzcode: after program %llu the vCPU did not reach a HLT (exit %u/%u)\n",
		       (unsigned long long)fz.index, kr.exit_type, kr.exit_reason);
}

static void one_program(void)
{
	struct fc_rng r = program_rng(fz.seed, fz.index);
	struct fc_program p = { 0 };

	p.mode = pick_mode(&r, &p.cpl);
	fc_program_setup(&fz.m, &p, &r);
	program_msrs(&r);
	if (fz.trace)
		printf("fuzzcode: program %llu: %s cpl %d\n", (unsigned long long)fz.index,
		       fc_mode_name(p.mode), p.cpl);
	int rc = kvm_set_sregs(fz.m.vcpu, &p.sregs);
	if (rc == 0)
		rc = kvm_set_regs(fz.m.vcpu, &p.regs);
	if (rc < 0) {
		printf("fuzzcode: program %llu (%s): setting its state failed: %s\n",
		       (unsigned long long)fz.index, fc_mode_name(p.mode), kvm_errno_name(-rc));
		fz.ends[END_ERROR]++;
		return;
	}
	if (fz.trace)
		trace_start(&p);
	arm_alarm();
	enum end e = run_program(&p, &r);
	fz.ends[e]++;
	fz.programs++;
	if (e == END_UNKNOWN || e == END_FAIL_ENTRY)
		drain();
	if (e == END_RUNS)
		renew_machine();
	if (fz.trace)
		printf("fuzzcode: program %llu ends: %s\n", (unsigned long long)fz.index,
		       end_names[e]);
}

/* ---- the summary --------------------------------------------------------- */

static void print_summary(void)
{
	printf("fuzzcode: %llu instructions in %llu programs; fail-entry %llu, unknown %llu\n",
	       (unsigned long long)fz.instructions, (unsigned long long)fz.programs,
	       (unsigned long long)fz.fail_entry, (unsigned long long)fz.unknown);
	printf("fuzzcode: %s\n", fz.guarded ? "guarded (SVM: every step checked)"
					    : "unguarded (VMX: a triple fault is a SHUTDOWN exit)");
	printf("fuzzcode: exits:");
	for (int x = 0; x < EXIT_KINDS; x++)
		if (fz.exits[x])
			printf(" %s %llu", x < EXIT_KINDS - 1 ? kvm_exit_reason_name((uint32_t)x)
							       : "other", (unsigned long long)fz.exits[x]);
	printf(", fail-entry %llu\nfuzzcode: ends:", (unsigned long long)fz.fail_entry);
	for (int e = 0; e < END_KINDS; e++)
		if (fz.ends[e])
			printf(" %s %llu", end_names[e], (unsigned long long)fz.ends[e]);
	printf("\nfuzzcode: guard:");
	for (int i = 0; i < MAX_GUARDS && fz.guards[i].why; i++)
		printf(" %s %llu", fz.guards[i].why, (unsigned long long)fz.guards[i].count);
	printf("\nfuzzcode: instructions by mode:");
	for (int mode = 0; mode < FC_MODES; mode++)
		printf(" %s %llu", fc_mode_name((enum fc_mode)mode),
		       (unsigned long long)fz.mode_insns[mode]);
	printf("\nfuzzcode: handler entries by vector:");
	for (int v = 0; v < 256; v++)
		if (fz.vectors[v])
			printf(" %d:%llu", v, (unsigned long long)fz.vectors[v]);
	printf("\n");
	for (int i = 0; i < MAX_CAUSES && fz.causes[i].count; i++)
		printf("fuzzcode: cause: %s hw %#x (%s): %llu, first fuzzcode %llu replay %llu\n",
		       fz.causes[i].exit_type == KVM_EXIT_TYPE_VM_EXIT ? "UNKNOWN" : "FAIL_ENTRY",
		       fz.causes[i].hw_reason, fz.causes[i].what,
		       (unsigned long long)fz.causes[i].count, (unsigned long long)fz.seed,
		       (unsigned long long)fz.causes[i].first);
}

/* ---- the command --------------------------------------------------------- */

/* The VM, its vCPU single-stepped, RAM filled from SEED's own source. */
static int open_machine(void)
{
	struct fc_rng r = program_rng(fz.seed, ~0ULL);
	struct kvm_debug_guest d = { .enabled = 1, .singlestep = 1 };
	int rc;

	if ((rc = fc_machine_open(&fz.m, &r)) < 0 || (rc = kvm_debug_guest(fz.m.vcpu, &d)) < 0) {
		printf("error: fuzzcode: no VM: %s\n", kvm_errno_name(-rc));
		fc_machine_close(&fz.m);
		return -1;
	}
	/* TR's cached type: busy (0xb), which VMX requires on entry (SDM Vol.
	 * 3C 28.3.1.2); on SVM, where nothing checks it, available (9) as a
	 * guest's own LTR leaves it in QEMU, whose TCG stops outright ("invalid
	 * tss type", target/i386/tcg/seg_helper.c get_ss_esp_from_tss) at the
	 * first ring change through a TR cached as busy */
	bool svm = !strcmp(hypercall_insn_name(), "vmmcall");
	fz.m.tr_type = svm ? 0x9 : 0xb;
	/* a guest's triple fault is a SHUTDOWN exit on VMX and under QEMU,
	 * but stops Bochs 2.7 itself under SVM (fuzzcode_guard.c): guarded
	 * there, where it costs two requests per step */
	fz.guarded = svm;
	return 0;
}

/*
 * A program stopped by the run limit stopped inside an instruction (a REP
 * string instruction on MMIO, one exit per element): the hypervisor would
 * go on emulating it at the next KVM_RUN whatever SET_REGS said, writing
 * its registers over the next program's. A new VM has nothing pending.
 */
static void renew_machine(void)
{
	fc_machine_close(&fz.m);
	if (open_machine() < 0)
		fz.ends[END_ERROR] += 100;      /* stops the run */
}

/* `fuzzcode SEED replay P [FROM]`: programs FROM to P (default P alone),
 * the last one traced. Guest RAM outside the code and data pages keeps
 * what earlier programs wrote, so a program that misbehaved in a long run
 * may need FROM = 0 to do it again. */
static void replay(uint64_t p, uint64_t from)
{
	for (fz.index = from; fz.index <= p; fz.index++) {
		fz.trace = fz.index == p;
		one_program();
	}
}

static void run_count(uint64_t n)
{
	uint64_t step = n >= 100000 ? n / 10 : 0, next = step;

	/* a machine on which no program starts would loop forever */
	for (; fz.instructions < n && fz.ends[END_ERROR] < 100; fz.index++) {
		one_program();
		if (step && fz.instructions >= next && fz.instructions < n) {
			printf("fuzzcode: %llu instructions\n", (unsigned long long)fz.instructions);
			next += step;
		}
	}
}

static int cmd_fuzzcode(int argc, char **argv)
{
	uint64_t seed, n = 0, first = 0, p = 0;
	bool is_replay = !strcmp(argv[2], "replay");
	bool ok = vmm_parse_u64(argv[1], &seed) == 0;

	if (is_replay)
		ok = ok && argc >= 4 && vmm_parse_u64(argv[3], &p) == 0 &&
		     (argc == 4 ? (first = p, true) : vmm_parse_u64(argv[4], &first) == 0) &&
		     first <= p;
	else
		ok = ok && argc <= 4 && vmm_parse_u64(argv[2], &n) == 0 && n && n <= MAX_COUNT &&
		     (argc == 3 || vmm_parse_u64(argv[3], &first) == 0);
	if (!ok) {
		printf("error: fuzzcode SEED COUNT [FIRST] (COUNT 1-%llu instructions) | "
		       "fuzzcode SEED replay P [FROM]\n", MAX_COUNT);
		return 1;
	}
	memset(&fz, 0, sizeof(fz));
	fz.seed = seed;
	if (open_machine() < 0)
		return 1;
	if (is_replay) {
		replay(p, first);
	} else {
		fz.index = first;
		run_count(n);
	}
	fc_machine_close(&fz.m);
	print_summary();
	return fz.fail_entry || fz.unknown ? 1 : 0;
}

const struct cli_command ctl_fuzzcode_commands[] = {
	{ "fuzzcode", "fuzzcode SEED COUNT [FIRST] | fuzzcode SEED replay P [FROM]",
	  "random guest code, single-stepped for COUNT instructions; counts failed entries and UNKNOWN exits",
	  2, 4, cmd_fuzzcode },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
