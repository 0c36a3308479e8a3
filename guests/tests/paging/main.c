/*
 * paging.bin: page tables for KVM_TRANSLATE (docs/test-guests.md,
 * "paging.bin"). A 32-bit protected-mode guest, entered like prot32.bin,
 * that runs in four paging modes in turn and stops at a HLT (IF = 0, so
 * the run ends) in each, after printing what every address it mapped must
 * translate to:
 *
 *   paging: sync <mode> 0x<linear>=0x<physical> w=<0|1> u=<0|1>
 *   paging: sync <mode> 0x<linear>=invalid
 *
 * The system test runs `translate` on each while the guest is stopped and
 * compares physical address, valid, writeable and usermode, then runs the
 * guest on. Modes: off (paging disabled: identity), 32bit (CR4.PSE: 4 MiB
 * pages, one with PSE-36 address bits, and 4 KiB pages), pae (2 MiB and
 * 4 KiB pages, a physical address above 4 GiB), long (4-level paging in
 * compatibility mode: 1 GiB, 2 MiB and 4 KiB pages, a canonical high
 * address, user access denied at the PML4 level). Writeable and usermode
 * are the AND of R/W and U/S over every level of the walk. Each mode also
 * reads memory through one of its mappings, to show the CPU agrees.
 */
#include "guest.h"

const char guest_name[] = "paging";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */

int main(void);

#define P       0x001ull
#define RW      0x002ull
#define US      0x004ull
#define PS      0x080ull
#define MiB     (1ull << 20)
#define GiB     (1ull << 30)
#define CR4_PSE (1ul << 4)
#define CR0_WP  (1ul << 16)
#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* 32-bit paging */
static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32_a[1024] __attribute__((aligned(4096)));
static uint32_t pt32_b[1024] __attribute__((aligned(4096)));
/* PAE */
static uint64_t pdpt_pae[4] __attribute__((aligned(32)));
static uint64_t pd_pae0[512] __attribute__((aligned(4096)));
static uint64_t pd_pae1[512] __attribute__((aligned(4096)));
static uint64_t pt_pae[512] __attribute__((aligned(4096)));
/* 4-level */
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt0[512] __attribute__((aligned(4096)));
static uint64_t pdpt1[512] __attribute__((aligned(4096)));
static uint64_t pdpt511[512] __attribute__((aligned(4096)));
static uint64_t pd0[512] __attribute__((aligned(4096)));
static uint64_t pd1[512] __attribute__((aligned(4096)));
static uint64_t pd2[512] __attribute__((aligned(4096)));
static uint64_t pt4[512] __attribute__((aligned(4096)));

struct expect {
	uint64_t linear, phys;          /* phys ~0: not mapped */
	unsigned int w, u;
};

static void sync_point(const char *mode, const struct expect *e, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (e[i].phys == ~0ull)
			say("sync %s 0x%llx=invalid", mode, e[i].linear);
		else
			say("sync %s 0x%llx=0x%llx w=%u u=%u", mode, e[i].linear,
			    e[i].phys, e[i].w, e[i].u);
	}
	say("sync %s: halting for translate", mode);
	hlt();
}

/* Identity pages for the first 16 MiB stay mapped in every mode: code,
 * data, stack and the VMM's GDT live there. */
static void sync_off(void)
{
	static const struct expect e[] = {
		{ 0x00000000, 0x00000000, 1, 1 },
		{ 0x12345678, 0x12345678, 1, 1 },
		{ 0xfffff000, 0xfffff000, 1, 1 },
	};

	sync_point("off", e, sizeof(e) / sizeof(e[0]));
}

static void invlpg(uintptr_t la)
{
	__asm__ volatile("invlpg (%0)" : : "r"(la) : "memory");
}

/*
 * With 32-bit paging on, after the sync point: the guest rewrites a live
 * page-table entry and invalidates it with INVLPG, so the next read goes
 * to the new page (SDM Vol. 3 4.10.4.1); and with CR0.WP = 0 it writes
 * through a read-only supervisor page (SDM Vol. 3 4.6.1). Under shadow
 * paging the first is an emulated write to a shadowed table, the second a
 * write the hardware (WP = 1) refuses and the hypervisor emulates.
 * Physical pages 0x600000-0x602fff, 0x40403000 and 0x40404000 are used.
 */
static bool remap_and_invlpg(void)
{
	volatile uint32_t *la = (volatile uint32_t *)0x40403000;
	uint32_t first, second;

	*(volatile uint32_t *)0x00600000 = 0xaaaa5555;
	*(volatile uint32_t *)0x00601000 = 0x5555aaaa;
	pt32_a[3] = 0x00600000 | RW | P;
	first = *la;
	pt32_a[3] = 0x00601000 | RW | P;
	invlpg((uintptr_t)la);
	second = *la;
	return first == 0xaaaa5555 && second == 0x5555aaaa;
}

static bool write_with_wp_clear(void)
{
	unsigned long cr0 = read_cr0();

	*(volatile uint32_t *)0x00602010 = 0;
	pt32_a[4] = 0x00602000 | P;                     /* read-only, supervisor */
	invlpg(0x40404000);
	write_cr0(cr0 & ~CR0_WP);
	*(volatile uint32_t *)0x40404010 = 0x77777777;
	write_cr0(cr0);
	return *(volatile uint32_t *)0x00602010 == 0x77777777;
}

static void mode_32bit(void)
{
	static const struct expect e[] = {
		{ 0x00101234, 0x00101234, 1, 0 },               /* 4 MiB identity */
		{ 0x40012345, 0x00812345, 0, 1 },               /* 4 MiB read-only user */
		{ 0x40400abc, 0x00123abc, 1, 1 },               /* 4 KiB */
		{ 0x40401010, 0x00456010, 0, 1 },               /* 4 KiB read-only */
		{ 0x40402000, ~0ull, 0, 0 },                    /* PTE not present */
		{ 0x40800fff, 0x00789fff, 1, 0 },               /* PDE supervisor */
		{ 0x40c00001, 0x100400001ull, 1, 1 },           /* PSE-36: bit 32 */
		{ 0x80000000, ~0ull, 0, 0 },                    /* PDE not present */
	};
	bool ok;

	for (uint32_t i = 0; i < 4; i++)
		pd32[i] = (i << 22) | PS | RW | P;
	pd32[0x100] = 0x00800000 | PS | US | P;
	pd32[0x101] = (uint32_t)(uintptr_t)pt32_a | US | RW | P;
	pt32_a[0] = 0x00123000 | US | RW | P;
	pt32_a[1] = 0x00456000 | US | P;
	pd32[0x102] = (uint32_t)(uintptr_t)pt32_b | RW | P;
	pt32_b[0] = 0x00789000 | US | RW | P;
	pd32[0x103] = 0x00400000 | (1u << 13) | PS | US | RW | P;

	*(volatile uint32_t *)0x00812344 = 0x32323232;
	*(volatile uint32_t *)0x00123ab8 = 0x4b4b4b4b;
	write_cr4(read_cr4() | CR4_PSE);
	write_cr3((uintptr_t)pd32);
	write_cr0(read_cr0() | X86_CR0_PG);
	ok = *(volatile uint32_t *)0x40012344 == 0x32323232 &&
	     *(volatile uint32_t *)0x40400ab8 == 0x4b4b4b4b;
	sync_point("32bit", e, sizeof(e) / sizeof(e[0]));
	bool remapped = remap_and_invlpg();
	bool wp0 = write_with_wp_clear();
	write_cr0(read_cr0() & ~X86_CR0_PG);
	write_cr4(read_cr4() & ~CR4_PSE);
	check(ok, "32-bit paging: reads through a 4 MiB page and a 4 KiB page");
	check(remapped, "32-bit paging: a PTE rewritten and INVLPG: the next read "
	      "goes to the new page");
	check(wp0, "32-bit paging: CR0.WP = 0: a supervisor write through a "
	      "read-only PTE lands");
}

static void mode_pae(void)
{
	static const struct expect e[] = {
		{ 0x00201000, 0x00201000, 1, 0 },               /* 2 MiB identity */
		{ 0x40012345, 0x00a12345, 1, 0 },               /* 2 MiB supervisor */
		{ 0x40200100, 0x00234100, 0, 1 },               /* 4 KiB read-only user */
		{ 0x40201fff, 0x123456fffull, 1, 1 },           /* above 4 GiB */
		{ 0x40202000, ~0ull, 0, 0 },                    /* PTE not present */
		{ 0xc0000000, ~0ull, 0, 0 },                    /* PDPTE not present */
	};
	bool ok;

	for (uint64_t i = 0; i < 8; i++)
		pd_pae0[i] = (i << 21) | PS | RW | P;
	pdpt_pae[0] = (uintptr_t)pd_pae0 | P;
	pdpt_pae[1] = (uintptr_t)pd_pae1 | P;
	pd_pae1[0] = 0x00a00000 | PS | RW | P;
	pd_pae1[1] = (uintptr_t)pt_pae | US | RW | P;
	pt_pae[0] = 0x00234000 | US | P;
	pt_pae[1] = 0x123456000ull | US | RW | P;

	*(volatile uint32_t *)0x00a12344 = 0xaeaeaeae;
	write_cr4(read_cr4() | X86_CR4_PAE);
	write_cr3((uintptr_t)pdpt_pae);
	write_cr0(read_cr0() | X86_CR0_PG);
	ok = *(volatile uint32_t *)0x40012344 == 0xaeaeaeae;
	sync_point("pae", e, sizeof(e) / sizeof(e[0]));
	write_cr0(read_cr0() & ~X86_CR0_PG);
	write_cr4(read_cr4() & ~X86_CR4_PAE);
	check(ok, "PAE paging: reads through a 2 MiB page");
}

static void mode_long(void)
{
	static const struct expect e[] = {
		{ 0x00300000, 0x00300000, 1, 1 },               /* 2 MiB identity */
		{ 0x40000000, 0xc0000000, 0, 1 },               /* 1 GiB read-only user */
		{ 0x7fffffff, 0xffffffff, 0, 1 },
		{ 0x80005123, 0x00345123, 0, 1 },               /* 4 KiB under a read-only PDE */
		{ 0x8000012345ull, 0x00c12345, 1, 0 },          /* PML4E supervisor */
		{ 0xffffffffc0001000ull, 0x00001000, 1, 1 },    /* canonical high, 1 GiB */
		{ 0x0000800000000000ull, ~0ull, 0, 0 },         /* PML4E not present */
		{ 0x00000000c0000000ull, ~0ull, 0, 0 },         /* PDPTE not present */
	};
	uint64_t efer;
	bool ok;

	for (uint64_t i = 0; i < 8; i++)
		pd0[i] = (i << 21) | PS | US | RW | P;
	pdpt0[0] = (uintptr_t)pd0 | US | RW | P;
	pdpt0[1] = 0xc0000000ull | PS | US | P;
	pdpt0[2] = (uintptr_t)pd2 | US | RW | P;
	pd2[0] = (uintptr_t)pt4 | US | P;
	pt4[5] = 0x00345000 | US | RW | P;
	pml4[0] = (uintptr_t)pdpt0 | US | RW | P;
	pml4[1] = (uintptr_t)pdpt1 | RW | P;
	pdpt1[0] = (uintptr_t)pd1 | US | RW | P;
	pd1[0] = 0x00c00000 | PS | US | RW | P;
	pml4[511] = (uintptr_t)pdpt511 | US | RW | P;
	pdpt511[511] = 0x00000000 | PS | US | RW | P;

	*(volatile uint32_t *)0x00345120 = 0x4c4c4c4c;
	write_cr4(read_cr4() | X86_CR4_PAE);
	write_cr3((uintptr_t)pml4);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_LME);
	write_cr0(read_cr0() | X86_CR0_PG);
	efer = rdmsr(MSR_EFER);
	ok = *(volatile uint32_t *)0x80005120 == 0x4c4c4c4c;
	sync_point("long", e, sizeof(e) / sizeof(e[0]));
	write_cr0(read_cr0() & ~X86_CR0_PG);    /* leaves long mode */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_LME);
	write_cr4(read_cr4() & ~X86_CR4_PAE);
	check(ok && (efer & EFER_LMA), "4-level paging (compatibility mode, EFER.LMA = 1): reads through a 4 KiB page");
	check(!(rdmsr(MSR_EFER) & (EFER_LME | EFER_LMA)), "back in 32-bit mode: EFER.LME = LMA = 0");
}

int main(void)
{
	con_init();
	say("hello from 32-bit protected mode; paging modes off, 32bit, pae, long");
	sync_off();
	mode_32bit();
	mode_pae();
	mode_long();
	return (int)finish();
}
