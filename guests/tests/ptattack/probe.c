/* The probes and verdicts of the ptattack guests (probe.h). */
#include "probe.h"

volatile struct fault last_fault;
static volatile unsigned long probe_resume;
unsigned int unclaimed_reads, unclaimed_writes;

void probe_handler(struct isr_frame *f)
{
	if (probe_resume) {
		last_fault.vector = (unsigned int)f->vector;
		last_fault.error = f->error;
		if (f->vector == VEC_PF)
			__asm__ volatile("mov %%cr2, %0" : "=r"(last_fault.cr2));
		f->ip = probe_resume;
		probe_resume = 0;
		return;
	}
	say("unexpected vector %u, error 0x%lx at ip 0x%lx", (unsigned int)f->vector,
	    f->error, f->ip);
	guest_exit(255);
}

/* The access sits between the store of the label's address in
 * probe_resume and the label, where the handler resumes. */
#ifdef __x86_64__
#define PROBE_ARM "lea 1f(%%rip), %%r11\n\tmov %%r11, %[resume]\n\t"
#define PROBE_DISARM "movq $0, %[resume]"
#define PROBE_CLOBBER "r11"
#define MOVS_WORD "movsq"
#define PROBE_SP "%%rsp"
#else
#define PROBE_ARM "movl $1f, %[resume]\n\t"
#define PROBE_DISARM "movl $0, %[resume]"
#define PROBE_CLOBBER "cc"
#define MOVS_WORD "movsl"
#define PROBE_SP "%%esp"
#endif

unsigned int read_va(unsigned long va, unsigned long *value)
{
	unsigned long v = 0;

	last_fault.vector = NO_FAULT;
	__asm__ volatile(PROBE_ARM
			 "mov (%[va]), %[v]\n"
			 "1:\n\t"
			 PROBE_DISARM
			 : [v] "+r"(v), [resume] "=m"(probe_resume)
			 : [va] "r"(va) : PROBE_CLOBBER, "memory");
	*value = v;
	return last_fault.vector;
}

unsigned int write_va(unsigned long va, unsigned long value)
{
	last_fault.vector = NO_FAULT;
	__asm__ volatile(PROBE_ARM
			 "mov %[v], (%[va])\n"
			 "1:\n\t"
			 PROBE_DISARM
			 : [resume] "=m"(probe_resume)
			 : [va] "r"(va), [v] "r"(value) : PROBE_CLOBBER, "memory");
	return last_fault.vector;
}

unsigned int movs_va(unsigned long dst, unsigned long src)
{
	last_fault.vector = NO_FAULT;
	__asm__ volatile(PROBE_ARM
			 MOVS_WORD "\n"
			 "1:\n\t"
			 PROBE_DISARM
			 : [resume] "=m"(probe_resume), "+D"(dst), "+S"(src)
			 : : PROBE_CLOBBER, "memory");
	return last_fault.vector;
}

/* The stack pointer before call_va's CALL, in memory the fault's return
 * cannot move (an operand relative to the stack pointer could). */
static volatile unsigned long call_sp;

unsigned int call_va(unsigned long va, unsigned long arg)
{
	last_fault.vector = NO_FAULT;
	__asm__ volatile(PROBE_ARM
			 "mov " PROBE_SP ", %[sp]\n\t"
			 "call *%[va]\n"
			 "1:\n\t"
			 "mov %[sp], " PROBE_SP "\n\t"
			 PROBE_DISARM
			 : [resume] "=m"(probe_resume), [sp] "+m"(call_sp), "+a"(arg)
			 : [va] "r"(va) : PROBE_CLOBBER, "memory");
	return last_fault.vector;
}

void fill_markers(uint64_t frame)
{
	for (uint64_t off = 0; off < KiB4; off += sizeof(unsigned long))
		*phys(frame + off) = marker(frame + off);
}

void clear_frame(uint64_t frame)
{
	for (uint64_t off = 0; off < KiB4; off += sizeof(unsigned long))
		*phys(frame + off) = 0;
}

/* The detail line after a FAIL: a value nobody gave the guest is a LEAK. */
static void explain(unsigned long va, unsigned int vector, unsigned long got)
{
	if (vector == NO_FAULT)
		say("LEAK read 0x%lx at 0x%lx", got, va);
	else
		say("  got vector %u, error 0x%lx, cr2 0x%lx at 0x%lx", vector,
		    last_fault.error, last_fault.cr2, va);
}

bool expect_value(const char *what, unsigned long va, unsigned long want)
{
	unsigned long got;
	unsigned int vector = read_va(va, &got);
	bool ok = vector == NO_FAULT && got == want;

	check(ok, "%s", what);
	if (!ok)
		explain(va, vector, got);
	return ok;
}

bool expect_unclaimed(const char *what, unsigned long va)
{
	unclaimed_reads++;
	return expect_value(what, va, 0);
}

bool expect_unclaimed_write(const char *what, unsigned long va)
{
	unsigned int vector = write_va(va, marker(RAM_END));

	unclaimed_writes++;
	check(vector == NO_FAULT, "%s", what);
	if (vector != NO_FAULT)
		explain(va, vector, 0);
	return vector == NO_FAULT;
}

bool expect_pf(const char *what, unsigned long va, bool write, unsigned long error)
{
	unsigned long got = 0;
	unsigned int vector = write ? write_va(va, marker(0)) : read_va(va, &got);
	bool ok = vector == VEC_PF && last_fault.error == error && last_fault.cr2 == va;

	check(ok, "%s", what);
	if (!ok) {
		if (write && vector == NO_FAULT)
			say("  the write went through at 0x%lx", va);
		else
			explain(va, vector, got);
	}
	return ok;
}

bool expect_movs_pf(const char *what, unsigned long dst, unsigned long src,
		    unsigned long error)
{
	unsigned int vector = movs_va(dst, src);
	bool ok = vector == VEC_PF && last_fault.error == error && last_fault.cr2 == dst;

	check(ok, "%s", what);
	if (!ok) {
		if (vector == NO_FAULT)
			say("  the MOVS went through to 0x%lx", dst);
		else
			explain(dst, vector, 0);
	}
	return ok;
}

bool expect_alias(const char *what, unsigned long alias, const volatile void *tbl)
{
	const volatile unsigned long *t = tbl;

	for (unsigned int i = 0; i < 3; i++) {
		unsigned long got;
		unsigned int vector = read_va(alias + i * sizeof(unsigned long), &got);

		if (vector != NO_FAULT || got != t[i]) {
			check(false, "%s", what);
			explain(alias + i * sizeof(unsigned long), vector, got);
			if (vector == NO_FAULT)
				say("  the table holds 0x%lx there", t[i]);
			return false;
		}
	}
	return check(true, "%s", what);
}

bool expect_either(const char *what, unsigned long va, unsigned long a, unsigned long b)
{
	unsigned long got;
	unsigned int vector = read_va(va, &got);
	bool ok = vector == NO_FAULT && (got == a || got == b);

	check(ok, "%s", what);
	if (!ok)
		explain(va, vector, got);
	else
		say("without INVLPG the read saw %s", got == a ? "A (stale)" : "B (new)");
	return ok;
}
