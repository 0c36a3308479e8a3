/*
 * cpuwalk.bin: for every feature bit of CPUID leaves 1, 7.0, 7.1, 0xd,
 * 0x80000001, 0x80000007 and 0x80000008 that has an instruction, an MSR or
 * a control-register bit behind it, the virtual CPU must do what it
 * announces: an announced feature is exercised and must work, a hidden
 * one must fault exactly as on a CPU without it (#UD for the instruction,
 * #GP for the MSR, the CR4/EFER/XCR0 bit). docs/test-guests.md,
 * "cpuwalk.bin"; docs/virtual-cpu.md lists what the VM sees and why.
 *
 * A 64-bit guest entered like long64.bin, with an IDT of its own (lib/).
 * The VMM answers its CPUID from the hypervisor's filtered list
 * (guests/ctl/vmm_cpuid.c, core/cpuid_filter.c).
 */
#include "walk.h"

const char guest_name[] = "cpuwalk";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

struct cpu_view cpu;
volatile unsigned long probe_resume, probe_error, probe_cr2, probe_rip;
volatile unsigned int probe_vector = NO_FAULT;
static volatile unsigned int unexpected;

/* An exception inside a probe resumes after it; anywhere else it is a bug
 * of the walk (or the hypervisor): say so and end the run. */
static void handler(struct isr_frame *f)
{
	if (probe_resume) {
		probe_vector = (unsigned int)f->vector;
		probe_error = f->error;
		probe_rip = f->ip;
		if ((f->cs & 3) == 3) {
			/* back to ring 0: in 64-bit mode the CPU pushed RSP and
			 * SS after RFLAGS (SDM Vol. 3A 6.14.2) */
			unsigned long *sp_ss = (unsigned long *)&f->flags + 1;

			f->cs = ring0_cs;
			sp_ss[0] = ring0_rsp;
			sp_ss[1] = ring0_ss;
		}
		if (f->vector == VEC_PF)
			__asm__ volatile("mov %%cr2, %0" : "=r"(probe_cr2));
		f->ip = probe_resume;
		probe_resume = 0;
		return;
	}
	unexpected++;
	say("unexpected vector %u, error 0x%lx at rip 0x%lx", (unsigned int)f->vector,
	    f->error, f->ip);
	guest_exit(255);
}

const char *vector_name(unsigned int vector)
{
	static char other[] = "vector 000";

	switch (vector) {
	case VEC_UD: return "#UD";
	case VEC_GP: return "#GP";
	case VEC_PF: return "#PF";
	case NO_FAULT: return "no exception";
	default:
		other[7] = (char)('0' + vector / 100 % 10);
		other[8] = (char)('0' + vector / 10 % 10);
		other[9] = (char)('0' + vector % 10);
		return other;
	}
}

bool announced(const char *feature, bool ok, const char *fmt, ...)
{
	va_list ap;

	con_printf("%s: %s %s: announced, ", guest_name, ok ? "PASS" : "FAIL", feature);
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	if (!ok && probe_vector != NO_FAULT)
		say("  the last probe raised %s, error 0x%lx", vector_name(probe_vector),
		    probe_error);
	return check_count(ok);
}

bool hidden(const char *feature, const char *what, unsigned int want, unsigned int vector)
{
	bool ok = vector == want;

	con_printf("%s: %s %s: hidden, %s raises %s", guest_name, ok ? "PASS" : "FAIL",
		   feature, what, vector_name(want));
	if (!ok)
		con_printf(" (got %s)", vector_name(vector));
	con_putc('\n');
	return check_count(ok);
}

void hidden_insn(const char *feature, const char *insn, unsigned int vector,
		 const char *leak_svm, const char *leak_vmx)
{
	const char *why = cpu.amd ? leak_svm : leak_vmx;

	if (vector == NO_FAULT && why) {
		say("LEAK %s executes although %s is hidden (%s)", insn, feature, why);
		return;
	}
	hidden(feature, insn, VEC_UD, vector);
}

unsigned int rdmsr_probe(uint32_t index, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;

	PROBE("rdmsr", "+a"(lo) COMMA "+d"(hi), "c"(index));
	*value = (uint64_t)hi << 32 | lo;
	return probe_vector;
}

unsigned int wrmsr_probe(uint32_t index, uint64_t value)
{
	PROBE("wrmsr", , "c"(index) COMMA "a"((uint32_t)value) COMMA
	      "d"((uint32_t)(value >> 32)));
	return probe_vector;
}

unsigned int cr4_probe(unsigned long value)
{
	PROBE("mov %0, %%cr4", , "r"(value));
	return probe_vector;
}

unsigned int efer_probe(uint64_t value)
{
	return wrmsr_probe(0xc0000080u, value);
}

static void read_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	cpu.max_basic = r[0];
	cpu.amd = r[1] == 0x68747541u && r[3] == 0x69746e65u && r[2] == 0x444d4163u;
	cpuid(0x80000000u, 0, r);
	cpu.max_ext = r[0];
	cpuid(1, 0, r);
	cpu.l1_ebx = r[1], cpu.l1_ecx = r[2], cpu.l1_edx = r[3];
	say("cpuid 1: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x", r[0], r[1], r[2], r[3]);
	if (cpu.max_basic >= 6) {
		cpuid(6, 0, r);
		cpu.l6_eax = r[0], cpu.l6_ecx = r[2];
	}
	if (cpu.max_basic >= 7) {
		cpuid(7, 0, r);
		cpu.l7_eax = r[0], cpu.l7_ebx = r[1], cpu.l7_ecx = r[2], cpu.l7_edx = r[3];
		say("cpuid 7.0: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x", r[0], r[1], r[2], r[3]);
		cpuid(7, 1, r);
		cpu.l71_eax = r[0];
		say("cpuid 7.1: eax=0x%x", r[0]);
	}
	if (cpu.max_basic >= 0xd) {
		cpuid(0xd, 0, r);
		cpu.ld_eax = r[0], cpu.ld_ebx = r[1], cpu.ld_ecx = r[2], cpu.ld_edx = r[3];
		cpuid(0xd, 1, r);
		cpu.ld1_eax = r[0];
		say("cpuid 0xd: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x; 0xd.1: eax=0x%x",
		    cpu.ld_eax, cpu.ld_ebx, cpu.ld_ecx, cpu.ld_edx, cpu.ld1_eax);
	}
	cpuid(0x80000001u, 0, r);
	cpu.e1_ecx = r[2], cpu.e1_edx = r[3];
	say("cpuid 0x80000001: ecx=0x%x edx=0x%x", r[2], r[3]);
	if (cpu.max_ext >= 0x80000007u) {
		cpuid(0x80000007u, 0, r);
		cpu.e7_ebx = r[1], cpu.e7_edx = r[3];
		say("cpuid 0x80000007: ebx=0x%x edx=0x%x", r[1], r[3]);
	}
	if (cpu.max_ext >= 0x80000008u) {
		cpuid(0x80000008u, 0, r);
		cpu.e8_eax = r[0], cpu.e8_ebx = r[1];
		say("cpuid 0x80000008: eax=0x%x ebx=0x%x", r[0], r[1]);
	}
}

int main(void)
{
	con_init();
	say("hello from 64-bit long mode: the CPUID-vs-behaviour walk");
	idt_install(handler);
	read_cpuid();
	walk_basic_insns();
	walk_ext_insns();
	walk_system();
	walk_paging();
	check(unexpected == 0, "no exception outside a probe");
	return (int)finish();
}
