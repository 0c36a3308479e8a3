/*
 * msr.bin: RDMSR and WRMSR inside a guest (docs/test-guests.md, "msr.bin").
 * A 64-bit guest entered like long64.bin, with an IDT of its own. The
 * hypervisor handles guest MSR accesses itself (docs/hypercall-abi.md,
 * KVM_GET_MSRS): the guest writes and reads back the MSRs 2.6.21 saved,
 * checks the fixed values (EFER in long mode, APIC base, the MSRs that
 * read 0, 0xCD, the MTRR ranges MTRRCAP does not report: #GP), and checks that an unsupported MSR, in either direction,
 * and reserved EFER bits raise #GP(0), which its handler catches and steps
 * over. It leaves known values behind for the system test's `msr` command.
 * It also checks the virtual CPU's missing features: CPUID shows no XSAVE,
 * AVX or MONITOR, and XSETBV, VMRUN and VMXOFF raise #UD on both vendors.
 *
 * Values a CPU refuses (core/cpu_rules.c): PAT with a reserved memory type
 * in any byte, non-canonical addresses in each MSR that holds one, EFER
 * with reserved bits (SVME among them) or LME cleared with paging on, and
 * MOV to CR4 with a bit the guest's CPUID does not announce (PKE, OSXSAVE,
 * VMXE, SMXE, reserved bits): each is #GP(0) with the register unchanged.
 * CPUID announces no PKU/OSPKE, and RDPKRU/WRPKRU are #UD.
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
#define EFER_LME                (1ull << 8)
#define EFER_LMA                (1ull << 10)
#define EFER_SVME               (1ull << 12)
#define EFER_LMSLE              (1ull << 13)
#define EFER_FFXSR              (1ull << 14)
#define CR4_PGE                 (1ul << 7)
#define CR4_UMIP                (1ul << 11)
#define CR4_LA57                (1ul << 12)
#define CR4_VMXE                (1ul << 13)
#define CR4_SMXE                (1ul << 14)
#define CR4_FSGSBASE            (1ul << 16)
#define CR4_OSXSAVE             (1ul << 18)
#define CR4_PKE                 (1ul << 22)
#define NONCANONICAL            0x4000000000001000ull  /* 48- and 57-bit */
#define MOV_CR4_RAX_BYTES       3       /* 0F 22 E0 */
#define VECTOR_UD               6
#define VECTOR_GP               13
#define RDMSR_WRMSR_BYTES       2
#define UD_INSN_BYTES           3       /* XSETBV, VMRUN, VMXOFF: 0F 01 xx */

static volatile unsigned int gp_count, ud_count, other_count, gp_skip = RDMSR_WRMSR_BYTES;
static volatile unsigned long gp_error, gp_rip, ud_rip, gp_nonzero_errors;

/* #GP from RDMSR/WRMSR (or MOV to CR4, gp_skip = 3): note it and step
 * over the instruction. */
static void handler(struct isr_frame *f)
{
	if (f->vector == VECTOR_GP) {
		gp_count++;
		gp_error = f->error;
		gp_nonzero_errors += f->error != 0;
		gp_rip = f->ip;
		f->ip += gp_skip;
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

/* What a CPU leaves reset with, before anything writes it: fast strings
 * enabled (the default), BTS and PEBS unavailable (no debug store in
 * CPUID), no performance monitoring (bit 7). */
static void check_reset_values(void)
{
	uint64_t v = rdmsr(MSR_MISC_ENABLE);

	if (!check(v == 0x1801, "rdmsr MISC_ENABLE = 0x1801 at reset (fast strings; "
		   "BTS, PEBS unavailable)"))
		say("  read 0x%llx", (unsigned long long)v);
}

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

static unsigned int wrmsr_gps(uint32_t index, uint64_t value);

/* The #GPs one RDMSR raised (0 or 1). */
static unsigned int rdmsr_gps(uint32_t index)
{
	unsigned int before = gp_count;

	(void)rdmsr(index);
	return gp_count - before;
}

static void check_fixed(void)
{
	uint64_t t1, t2;

	check(rdmsr(MSR_EFER) == 0x500, "rdmsr EFER = 0x500 (LME, LMA) as the VMM set long mode");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	check(rdmsr(MSR_EFER) == 0x501, "wrmsr EFER.SCE: reads back 0x501");
	check(rdmsr(MSR_APIC_BASE) == 0xfee00900, "rdmsr APIC_BASE = 0xfee00900 (BSP, enabled)");
	check(rdmsr(MSR_MTRRCAP) == 0 && rdmsr(MSR_MCG_CAP) == 0 &&
	      rdmsr_gps(MSR_MC0_CTL) == 1 && wrmsr_gps(MSR_MC0_CTL, 0) == 1,
	      "rdmsr MTRRCAP, MCG_CAP = 0; MC0_CTL #GP (MCG_CAP: no banks)");
	check(rdmsr_gps(MSR_MTRR_PHYSBASE0) == 1 && wrmsr_gps(MSR_MTRR_PHYSBASE0, 6) == 1,
	      "MTRR_PHYSBASE0 #GP both ways (MTRRCAP: no variable ranges)");
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

/* The #GPs one WRMSR raised (0 or 1). */
static unsigned int wrmsr_gps(uint32_t index, uint64_t value)
{
	unsigned int before = gp_count;

	wrmsr(index, value);
	return gp_count - before;
}

/* PAT: types 2, 3 and 8 (and 0xff) in each byte are reserved. */
static void check_pat_reserved(void)
{
	static const uint8_t bad[] = { 2, 3, 8, 0xff };
	uint64_t pat = rdmsr(MSR_PAT);
	unsigned int gps = 0, tries = 0;

	for (int byte = 0; byte < 8; byte++) {
		for (unsigned int i = 0; i < sizeof(bad); i++, tries++) {
			uint64_t v = (pat & ~(0xffull << (8 * byte))) | (uint64_t)bad[i] << (8 * byte);
			gps += wrmsr_gps(MSR_PAT, v);
		}
	}
	check(gps == tries && rdmsr(MSR_PAT) == pat,
	      "wrmsr PAT with type 2, 3, 8 or 0xff in any byte: #GP each (%u of %u), PAT unchanged",
	      gps, tries);
}

/* Every MSR that holds a linear address refuses a non-canonical one. */
static void check_noncanonical(void)
{
	static const struct { uint32_t index; const char *name; } addr_msrs[] = {
		{ MSR_SYSENTER_ESP, "SYSENTER_ESP" }, { MSR_SYSENTER_EIP, "SYSENTER_EIP" },
		{ MSR_LSTAR, "LSTAR" }, { MSR_CSTAR, "CSTAR" },
		{ MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE" }, { MSR_FS_BASE, "FS_BASE" },
		{ MSR_GS_BASE, "GS_BASE" },
	};

	for (unsigned int i = 0; i < sizeof(addr_msrs) / sizeof(addr_msrs[0]); i++) {
		uint64_t before = rdmsr(addr_msrs[i].index);
		unsigned int gps = wrmsr_gps(addr_msrs[i].index, NONCANONICAL);

		check(gps == 1 && rdmsr(addr_msrs[i].index) == before,
		      "wrmsr %s = 0x%llx (non-canonical): #GP, unchanged", addr_msrs[i].name,
		      (unsigned long long)NONCANONICAL);
	}
}

/* EFER: reserved bits, SVME, LMSLE, FFXSR unless announced, and LME
 * cleared while paging is on are #GP; LMA is not writable (ignored). */
static void check_efer_rules(void)
{
	uint64_t efer = rdmsr(MSR_EFER);
	uint32_t r[4];
	unsigned int gps = 0;

	gps += wrmsr_gps(MSR_EFER, efer | EFER_SVME);
	gps += wrmsr_gps(MSR_EFER, efer | EFER_LMSLE);
	gps += wrmsr_gps(MSR_EFER, efer | (1ull << 63));
	check(gps == 3 && rdmsr(MSR_EFER) == efer,
	      "wrmsr EFER with SVME, LMSLE or bit 63: #GP each (%u of 3), EFER unchanged", gps);

	check(wrmsr_gps(MSR_EFER, efer & ~EFER_LME) == 1 && rdmsr(MSR_EFER) == efer,
	      "wrmsr EFER clearing LME with paging on: #GP, EFER unchanged");
	check(wrmsr_gps(MSR_EFER, efer & ~EFER_LMA) == 0 && rdmsr(MSR_EFER) == efer,
	      "wrmsr EFER with LMA clear: LMA is not writable, EFER stays 0x%llx",
	      (unsigned long long)efer);

	cpuid(0x80000001u, 0, r);
	bool ffxsr = r[3] & (1u << 25);
	unsigned int gp = wrmsr_gps(MSR_EFER, efer | EFER_FFXSR);
	bool ok = ffxsr ? gp == 0 && rdmsr(MSR_EFER) == (efer | EFER_FFXSR)
			: gp == 1 && rdmsr(MSR_EFER) == efer;
	wrmsr(MSR_EFER, efer);
	check(ok && rdmsr(MSR_EFER) == efer, "wrmsr EFER.FFXSR: %s as CPUID says",
	      ffxsr ? "taken" : "#GP");
}

/* The #GPs one MOV to CR4 raised (0 or 1). */
static unsigned int mov_cr4_gps(unsigned long v)
{
	unsigned int before = gp_count;

	gp_skip = MOV_CR4_RAX_BYTES;
	__asm__ volatile("mov %0, %%cr4" : : "a"(v) : "memory");
	gp_skip = RDMSR_WRMSR_BYTES;
	return gp_count - before;
}

/* MOV to CR4 sets only what CPUID announces. */
static void check_cr4_rules(void)
{
	static const struct { unsigned long bit; const char *name; } never[] = {
		{ CR4_PKE, "PKE" }, { CR4_OSXSAVE, "OSXSAVE" }, { CR4_VMXE, "VMXE" },
		{ CR4_SMXE, "SMXE" }, { CR4_LA57, "LA57" }, { 1ul << 15, "bit 15" },
		{ 1ul << 19, "KL" }, { 1ul << 23, "CET" }, { 1ul << 24, "PKS" },
		{ 1ul << 25, "UINTR" }, { 1ul << 32, "FRED" }, { 1ul << 63, "bit 63" },
	};
	unsigned long cr4 = read_cr4();
	uint32_t r[4];

	for (unsigned int i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		check(mov_cr4_gps(cr4 | never[i].bit) == 1 && read_cr4() == cr4,
		      "mov cr4 with %s: #GP, CR4 unchanged", never[i].name);

	/* an announced bit is taken; r9 needs REX.B, which the SVM
	 * backend's decoder must honour to find the source */
	__asm__ volatile("mov %0, %%r9; mov %%r9, %%cr4" : : "r"(cr4 | CR4_PGE) : "r9", "memory");
	bool pge = read_cr4() == (cr4 | CR4_PGE);
	write_cr4(cr4);
	check(pge && read_cr4() == cr4, "mov cr4 (from r9) with PGE and back: taken");

	/* these two exist where CPUID says so: taken there, #GP elsewhere */
	cpuid(7, 0, r);
	bool umip = r[2] & (1u << 2), fsgsbase = r[1] & 1;
	unsigned int umip_gps = mov_cr4_gps(cr4 | CR4_UMIP);
	bool umip_ok = umip ? umip_gps == 0 && read_cr4() == (cr4 | CR4_UMIP)
			    : umip_gps == 1 && read_cr4() == cr4;
	write_cr4(cr4);
	unsigned int fsgs_gps = mov_cr4_gps(cr4 | CR4_FSGSBASE);
	bool fsgs_ok = fsgsbase ? fsgs_gps == 0 && read_cr4() == (cr4 | CR4_FSGSBASE)
				: fsgs_gps == 1 && read_cr4() == cr4;
	write_cr4(cr4);
	check(umip_ok && fsgs_ok, "mov cr4 with UMIP (%s), FSGSBASE (%s): as CPUID says",
	      umip ? "announced" : "not announced", fsgsbase ? "announced" : "not announced");
}

/* No protection keys: PKRU would leak between VMs (core/cpuid.c). */
static void check_no_pku(void)
{
	extern const char rdpkru_insn[], wrpkru_insn[];
	uint32_t r[4];
	unsigned int before = ud_count;

	cpuid(7, 0, r);
	check(!(r[2] & ((1u << 3) | (1u << 4))), "cpuid 7: no PKU or OSPKE (ecx 0x%x)", r[2]);
	cpuid(1, 0, r);
	check(!(r[2] & ((1u << 5) | (1u << 6))), "cpuid 1: no VMX or SMX (ecx 0x%x)", r[2]);
	/* RDPMC is #GP: no counters announced either (core/cpuid.c) */
	uint32_t pdcm = r[2] & (1u << 15), pmu = 0, ext;
	cpuid(0, 0, r);
	if (r[0] >= 0xa) {
		cpuid(0xa, 0, r);
		pmu = r[0] & 0xff;
	}
	cpuid(0x80000001u, 0, r);
	ext = r[2] & ((1u << 23) | (1u << 24) | (1u << 28));
	check(!pmu && !pdcm && !ext, "cpuid: no PMU (leaf 0xa version %u), PDCM or "
	      "counter extensions (0x%x)", pmu, pdcm | ext);
	__asm__ volatile(".globl rdpkru_insn\n"
			 "rdpkru_insn: rdpkru" : : "c"(0) : "rax", "rdx", "memory");
	bool rd = ud_count == before + 1 && ud_rip == (uintptr_t)rdpkru_insn;
	__asm__ volatile(".globl wrpkru_insn\n"
			 "wrpkru_insn: wrpkru" : : "a"(0), "c"(0), "d"(0) : "memory");
	bool wr = ud_count == before + 2 && ud_rip == (uintptr_t)wrpkru_insn;
	check(rd && wr, "rdpkru, wrpkru: #UD at each");
}

int main(void)
{
	con_init();
	say("hello from 64-bit long mode, with an IDT");
	idt_install(handler);
	check_reset_values();
	check_read_write();
	check_fs_base_used();
	check_fixed();
	check_gp();
	check_missing_features();
	check_pat_reserved();
	check_noncanonical();
	check_efer_rules();
	check_cr4_rules();
	check_no_pku();
	check(gp_nonzero_errors == 0, "every #GP had error code 0 (%u of them)", gp_count);
	check(other_count == 0 && ud_count == 5,
	      "no exception but the #GPs (%u) and five #UDs (%u)", gp_count, ud_count);
	return (int)finish();
}
