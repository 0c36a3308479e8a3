/*
 * msr.bin: RDMSR and WRMSR inside a guest (docs/test-guests.md, "msr.bin").
 * A 64-bit guest entered like long64.bin, with an IDT of its own. The
 * hypervisor handles guest MSR accesses itself (docs/hypercall-abi.md,
 * KVM_GET_MSRS): the guest writes and reads back the MSRs 2.6.21 saved,
 * checks the fixed values (EFER in long mode, APIC base, the MSRs that
 * read 0, 0xCD), and checks that an unsupported MSR, in either direction,
 * and reserved EFER bits raise #GP(0), which its handler catches and steps
 * over. It leaves known values behind for the system test's `msr` command.
 * It also checks the virtual CPU's missing features: CPUID shows no XSAVE,
 * AVX or MONITOR, and XSETBV, VMRUN and VMXOFF raise #UD on both vendors.
 */
#include "guest.h"

const char guest_name[] = "msr";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

#define MSR_TSC                 0x00000010u
#define MSR_APIC_BASE           0x0000001bu
#define MSR_EBC_FREQUENCY_ID    0x000000cdu
#define MSR_MTRRCAP             0x000000feu
#define MSR_SYSENTER_CS         0x00000174u
#define MSR_SYSENTER_ESP        0x00000175u
#define MSR_SYSENTER_EIP        0x00000176u
#define MSR_MCG_CAP             0x00000179u
#define MSR_MISC_ENABLE         0x000001a0u
#define MSR_MTRR_PHYSBASE0      0x00000200u
#define MSR_PAT                 0x00000277u
#define MSR_MC0_CTL             0x00000400u
#define MSR_EFER                0xc0000080u
#define MSR_STAR                0xc0000081u
#define MSR_LSTAR               0xc0000082u
#define MSR_CSTAR               0xc0000083u
#define MSR_SFMASK              0xc0000084u
#define MSR_FS_BASE             0xc0000100u
#define MSR_GS_BASE             0xc0000101u
#define MSR_KERNEL_GS_BASE      0xc0000102u
#define MSR_UNSUPPORTED         0xc0011234u
#define EFER_SCE                (1ull << 0)
#define EFER_RESERVED_BIT       (1ull << 2)
#define VECTOR_UD               6
#define VECTOR_GP               13
#define RDMSR_WRMSR_BYTES       2
#define UD_INSN_BYTES           3       /* XSETBV, VMRUN, VMXOFF: 0F 01 xx */

static volatile unsigned int gp_count, ud_count, other_count;
static volatile unsigned long gp_error, gp_rip, ud_rip;

/* #GP from RDMSR/WRMSR: note it and step over the 2-byte instruction. */
static void handler(struct isr_frame *f)
{
	if (f->vector == VECTOR_GP) {
		gp_count++;
		gp_error = f->error;
		gp_rip = f->ip;
		f->ip += RDMSR_WRMSR_BYTES;
	} else if (f->vector == VECTOR_UD) {
		ud_count++;
		ud_rip = f->ip;
		f->ip += UD_INSN_BYTES;
	} else {
		other_count++;
		guest_exit(255);
	}
}

static const struct {
	uint32_t index;
	const char *name;
	uint64_t value;
} rw_msrs[] = {
	{ MSR_SYSENTER_CS, "SYSENTER_CS", 0x10 },
	{ MSR_SYSENTER_ESP, "SYSENTER_ESP", 0xffff800000001000ull },
	{ MSR_SYSENTER_EIP, "SYSENTER_EIP", 0xffff800000002000ull },
	{ MSR_STAR, "STAR", 0x0023001000000000ull },
	{ MSR_LSTAR, "LSTAR", 0xffffffff81000000ull },
	{ MSR_CSTAR, "CSTAR", 0xffffffff81000100ull },
	{ MSR_SFMASK, "SFMASK", 0x47700 },
	{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0xffff888000000000ull },
	{ MSR_FS_BASE, "FS_BASE", 0x7f0000001000ull },
	{ MSR_GS_BASE, "GS_BASE", 0x7f0000002000ull },
	{ MSR_PAT, "PAT", 0x0007010600070106ull },
	{ MSR_MISC_ENABLE, "MISC_ENABLE", 0x1 },
};

static void check_read_write(void)
{
	for (unsigned int i = 0; i < sizeof(rw_msrs) / sizeof(rw_msrs[0]); i++) {
		uint64_t v;

		wrmsr(rw_msrs[i].index, rw_msrs[i].value);
		v = rdmsr(rw_msrs[i].index);
		if (!check(v == rw_msrs[i].value, "wrmsr/rdmsr %s (0x%x) = 0x%llx",
			   rw_msrs[i].name, rw_msrs[i].index,
			   (unsigned long long)rw_msrs[i].value))
			say("  read 0x%llx", (unsigned long long)v);
	}
}

static void check_fs_base_used(void)
{
	static volatile uint64_t target = 0x5555aaaa5555aaaaull;
	uint64_t v;

	wrmsr(MSR_FS_BASE, (uintptr_t)&target);
	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	check(v == target, "FS_BASE written with wrmsr is the base %%fs: addresses use");
	wrmsr(MSR_FS_BASE, 0x7f0000001000ull);  /* what the system test reads */
}

static void check_fixed(void)
{
	uint64_t t1, t2;

	check(rdmsr(MSR_EFER) == 0x500, "rdmsr EFER = 0x500 (LME, LMA) as the VMM set long mode");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	check(rdmsr(MSR_EFER) == 0x501, "wrmsr EFER.SCE: reads back 0x501");
	check(rdmsr(MSR_APIC_BASE) == 0xfee00900, "rdmsr APIC_BASE = 0xfee00900 (BSP, enabled)");
	check(rdmsr(MSR_MTRRCAP) == 0 && rdmsr(MSR_MCG_CAP) == 0 &&
	      rdmsr(MSR_MC0_CTL) == 0, "rdmsr MTRRCAP, MCG_CAP, MC0_CTL = 0");
	wrmsr(MSR_MTRR_PHYSBASE0, 0x6);
	check(rdmsr(MSR_MTRR_PHYSBASE0) == 0, "wrmsr MTRR_PHYSBASE0 ignored, reads 0");
	check(rdmsr(MSR_EBC_FREQUENCY_ID) == 3, "rdmsr 0xcd = 3");
	wrmsr(MSR_TSC, 1ull << 40);
	t1 = rdmsr(MSR_TSC);
	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t2) : : "rdx");
	check(t1 >= 1ull << 40 && t1 < (1ull << 40) + (1ull << 36) && t2 >= t1,
	      "wrmsr TSC = 2^40: rdmsr and rdtsc continue from there");
}

static void check_gp(void)
{
	uint32_t lo = 0x1234, hi = 0x5678;
	extern const char rdmsr_unsupported[], wrmsr_unsupported[], wrmsr_efer_reserved[];

	gp_count = 0;
	__asm__ volatile(".globl rdmsr_unsupported\n"
			 "rdmsr_unsupported: rdmsr"
			 : "+a"(lo), "+d"(hi) : "c"(MSR_UNSUPPORTED));
	check(gp_count == 1 && gp_error == 0 && gp_rip == (uintptr_t)rdmsr_unsupported &&
	      lo == 0x1234 && hi == 0x5678,
	      "rdmsr 0x%x (unsupported): #GP(0) at the rdmsr, edx:eax unchanged", MSR_UNSUPPORTED);

	__asm__ volatile(".globl wrmsr_unsupported\n"
			 "wrmsr_unsupported: wrmsr"
			 : : "c"(MSR_UNSUPPORTED), "a"(1), "d"(0) : "memory");
	check(gp_count == 2 && gp_error == 0 && gp_rip == (uintptr_t)wrmsr_unsupported,
	      "wrmsr 0x%x (unsupported): #GP(0) at the wrmsr", MSR_UNSUPPORTED);

	__asm__ volatile(".globl wrmsr_efer_reserved\n"
			 "wrmsr_efer_reserved: wrmsr"
			 : : "c"(MSR_EFER), "a"((uint32_t)(0x501 | EFER_RESERVED_BIT)), "d"(0)
			 : "memory");
	check(gp_count == 3 && gp_rip == (uintptr_t)wrmsr_efer_reserved &&
	      rdmsr(MSR_EFER) == 0x501,
	      "wrmsr EFER with reserved bit 2: #GP(0), EFER unchanged");
}

/* The features the hypervisor cannot give a guest (core/cpuid.c). */
static void check_missing_features(void)
{
	extern const char xsetbv_insn[], vmrun_insn[], vmxoff_insn[];
	uint32_t r[4];

	cpuid(1, 0, r);
	check(!(r[2] & ((1u << 3) | (1u << 26) | (1u << 27) | (1u << 28))),
	      "cpuid 1: no MONITOR, XSAVE, OSXSAVE or AVX (ecx 0x%x)", r[2]);

	unsigned int ud_ok = 0;
	__asm__ volatile(".globl xsetbv_insn\n"
			 "xsetbv_insn: xsetbv" : : "c"(0), "a"(3), "d"(0) : "memory");
	ud_ok += ud_count == 1 && ud_rip == (uintptr_t)xsetbv_insn;
	__asm__ volatile(".globl vmrun_insn\n"
			 "vmrun_insn: vmrun" : : "a"(0) : "memory");
	ud_ok += ud_count == 2 && ud_rip == (uintptr_t)vmrun_insn;
	__asm__ volatile(".globl vmxoff_insn\n"
			 "vmxoff_insn: vmxoff" : : : "memory", "cc");
	ud_ok += ud_count == 3 && ud_rip == (uintptr_t)vmxoff_insn;
	check(ud_ok == 3, "xsetbv, vmrun, vmxoff: #UD at each (%u of 3)", ud_ok);
}

int main(void)
{
	con_init();
	say("hello from 64-bit long mode, with an IDT");
	idt_install(handler);
	check_read_write();
	check_fs_base_used();
	check_fixed();
	check_gp();
	check_missing_features();
	check(other_count == 0, "no exception but the three #GPs and three #UDs");
	return (int)finish();
}
