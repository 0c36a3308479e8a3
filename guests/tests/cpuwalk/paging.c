/*
 * The features behind page-table and CR3 bits (Intel SDM Vol. 3A 4.5,
 * 4.6, 4.10; AMD APM Vol. 2 5.3-5.6): 1 GiB pages, NX with EFER.NXE,
 * global pages, SMEP, SMAP (STAC/CLAC), PCIDs, INVPCID, and the local
 * APIC's page; ring3.c runs its CPL-3 code through the user alias. The
 * walk builds its own tables: the first GiB identity mapped with 2 MiB
 * pages as the VMM's are, the APIC's 2 MiB uncached, and aliases of the
 * first 2 MiB (where the guest lives) at 512 GiB:
 *
 *   ALIAS_1G      1 GiB page (PDPTE.PS)
 *   ALIAS_USER    2 MiB, U/S = 1
 *   ALIAS_XD      2 MiB, XD (bit 63)
 *   ALIAS_GLOBAL  2 MiB, G
 */
#include "walk.h"

#define PTE_P    0x001ull
#define PTE_RW   0x002ull
#define PTE_US   0x004ull
#define PTE_PWT  0x008ull
#define PTE_PCD  0x010ull
#define PTE_PS   0x080ull
#define PTE_G    0x100ull
#define PTE_XD   (1ull << 63)
#define PF_P     0x01ul
#define PF_RSVD  0x08ul
#define PF_ID    0x10ul
#define MB2      0x200000ull
#define GB1      0x40000000ull
#define ALIAS_1G     0x8000000000ull
#define ALIAS_USER   (ALIAS_1G + GB1)
#define ALIAS_XD     (ALIAS_USER + MB2)
#define ALIAS_GLOBAL (ALIAS_XD + MB2)
#define APIC_GPA     0xfee00000ull
#define CR4_PGE      (1ul << 7)
#define CR4_PCIDE    (1ul << 17)
#define CR4_SMEP     (1ul << 20)
#define CR4_SMAP     (1ul << 21)
#define EFER_NXE     (1ull << 11)
#define MSR_EFER     0xc0000080u
#define NO_INTERCEPT "no intercept or execution control exists for it"
#define OWN_WALK     "the CPU walks the guest's page tables itself"

typedef uint64_t table[512] __attribute__((aligned(4096)));
static table pml4, pdpt_low, pd_low, pd_apic, pdpt_alias, pd_alias;

/* Jumped to through an alias: goes back to the address in RAX. */
void cpuwalk_jmp_back(void);
__asm__(".text\n.globl cpuwalk_jmp_back\ncpuwalk_jmp_back:\n\tjmp *%rax\n");

static volatile uint64_t marker = 0x1234567887654321ull;

static void build_tables(void)
{
	for (uint64_t i = 0; i < 512; i++)
		pd_low[i] = i * MB2 | PTE_P | PTE_RW | PTE_PS;
	pd_apic[(APIC_GPA % GB1) / MB2] = (APIC_GPA & ~(MB2 - 1)) | PTE_P | PTE_RW | PTE_PS |
					   PTE_PCD | PTE_PWT;
	pdpt_low[0] = (uintptr_t)pd_low | PTE_P | PTE_RW;
	pdpt_low[3] = (uintptr_t)pd_apic | PTE_P | PTE_RW;
	pdpt_alias[0] = 0 | PTE_P | PTE_RW | PTE_PS;
	pdpt_alias[1] = (uintptr_t)pd_alias | PTE_P | PTE_RW | PTE_US;
	pd_alias[0] = 0 | PTE_P | PTE_RW | PTE_US | PTE_PS;
	pd_alias[1] = 0 | PTE_P | PTE_RW | PTE_PS | PTE_XD;
	pd_alias[2] = 0 | PTE_P | PTE_RW | PTE_PS | PTE_G;
	pml4[0] = (uintptr_t)pdpt_low | PTE_P | PTE_RW;
	pml4[1] = (uintptr_t)pdpt_alias | PTE_P | PTE_RW | PTE_US;
}

/* Reads the marker through an alias; returns the vector. */
static unsigned int read_alias(uint64_t base, uint64_t *v)
{
	*v = 0;
	PROBE("mov (%1), %0", "=r"(*v), "r"(base + (uintptr_t)&marker));
	return probe_vector;
}

/* Jumps to cpuwalk_jmp_back through an alias and back; the vector. */
static unsigned int exec_alias(uint64_t base)
{
	PROBE("lea 8f(%%rip), %%rax; jmp *%0; 8:", , "r"(base + (uintptr_t)cpuwalk_jmp_back),
	      "rax");
	return probe_vector;
}

static bool pf_is(unsigned long error, uint64_t addr)
{
	return probe_vector == VEC_PF && probe_error == error && probe_cr2 == addr;
}

/* A reserved-bit #PF: RSVD with P (SDM Vol. 3A 4.7: RSVD implies P).
 * QEMU's TCG leaves P clear there; the line prints the error code and the
 * system test pins it per platform. */
static bool pf_reserved(uint64_t addr)
{
	return probe_vector == VEC_PF && (probe_error & ~PF_P) == PF_RSVD && probe_cr2 == addr;
}

static void check_1g_pages(void)
{
	uint64_t v;
	unsigned int vec = read_alias(ALIAS_1G, &v);

	if (HAS(e1_edx, 26)) {
		announced("page1gb (e1.edx.26)", vec == NO_FAULT && v == marker,
			  "a read through a 1 GiB page");
	} else if (vec == NO_FAULT) {
		say("LEAK 1 GiB pages translate although page1gb (e1.edx.26) is hidden (%s)",
		    OWN_WALK);
	} else {
		check(pf_reserved(ALIAS_1G + (uintptr_t)&marker),
		      "page1gb (e1.edx.26): hidden, PDPTE.PS is reserved: #PF error 0x%lx",
		      probe_error);
	}
}

/* NX: with EFER.NXE a fetch from an XD page is #PF (P, I/D); without it
 * XD is a reserved bit and any access is #PF (P, RSVD). */
static void check_nx(void)
{
	uint64_t efer = rdmsr(MSR_EFER), v;
	unsigned int rd = read_alias(ALIAS_XD, &v);
	bool reserved = pf_reserved(ALIAS_XD + (uintptr_t)&marker);
	unsigned long err0 = probe_error;

	if (!HAS(e1_edx, 20)) {
		check(reserved, "nx (e1.edx.20): hidden, the XD bit is reserved: #PF error 0x%lx",
		      probe_error);
		(void)rd;
		return;
	}
	wrmsr(MSR_EFER, efer | EFER_NXE);
	unsigned int rd_nx = read_alias(ALIAS_XD, &v);
	exec_alias(ALIAS_XD);
	bool fetch = pf_is(PF_P | PF_ID, ALIAS_XD + (uintptr_t)cpuwalk_jmp_back);
	wrmsr(MSR_EFER, efer);
	if (!reserved || rd_nx != NO_FAULT || !fetch)
		say("  nx: without nxe %s error 0x%lx; with it read %s, fetch %s error 0x%lx "
		    "cr2 0x%lx", vector_name(rd), err0, vector_name(rd_nx),
		    vector_name(probe_vector), probe_error, probe_cr2);
	announced("nx (e1.edx.20)", reserved && rd_nx == NO_FAULT && v == marker && fetch,
		  "XD reserved without efer.nxe (#PF error 0x%lx); with it a read runs, "
		  "a fetch is #PF 0x11", err0);
}

static void check_pge(void)
{
	unsigned long cr4 = read_cr4();
	uint64_t v;

	if (!HAS(l1_edx, 13))
		return;                 /* CR4.PGE: the CR4 walk (system.c) */
	write_cr4(cr4 | CR4_PGE);
	unsigned int vec = read_alias(ALIAS_GLOBAL, &v);
	write_cr4(cr4);
	announced("pge (1.edx.13)", vec == NO_FAULT && v == marker,
		  "a read through a global page with cr4.pge");
}

/* SMEP: a supervisor fetch from a user page is #PF (P, I/D). */
static void check_smep(void)
{
	unsigned long cr4 = read_cr4();

	if (!HAS(l7_ebx, 7))
		return;                 /* CR4.SMEP: the CR4 walk */
	unsigned int off = exec_alias(ALIAS_USER);
	write_cr4(cr4 | CR4_SMEP);
	exec_alias(ALIAS_USER);
	bool fault = pf_is(PF_P | PF_ID, ALIAS_USER + (uintptr_t)cpuwalk_jmp_back);
	write_cr4(cr4);
	announced("smep (7.ebx.7)", off == NO_FAULT && fault,
		  "a fetch from a user page runs, with cr4.smep #PF 0x11");
}

/* SMAP: a supervisor read of a user page is #PF (P) unless EFLAGS.AC;
 * STAC and CLAC are #UD without SMAP. */
static void check_smap(void)
{
	unsigned long cr4 = read_cr4();
	uint64_t v = 0;

	PROBE("stac; clac", , , "cc");
	if (!HAS(l7_ebx, 20)) {
		hidden_insn("smap (7.ebx.20)", "stac", probe_vector, NO_INTERCEPT,
			    NO_INTERCEPT);
		return;
	}
	unsigned int stac = probe_vector;
	write_cr4(cr4 | CR4_SMAP);
	read_alias(ALIAS_USER, &v);
	bool fault = pf_is(PF_P, ALIAS_USER + (uintptr_t)&marker);
	PROBE("stac; mov (%1), %0; clac", "=r"(v), "r"(ALIAS_USER + (uintptr_t)&marker), "cc");
	unsigned int with_ac = probe_vector;
	write_cr4(cr4);
	announced("smap (7.ebx.20)", stac == NO_FAULT && fault && with_ac == NO_FAULT &&
		  v == marker, "a read of a user page #PF 0x1 with cr4.smap, runs after stac");
}

/* PCID: CR3[11:0] is the PCID with CR4.PCIDE; INVPCID type 2 (all
 * contexts with globals) runs, type 4 is #GP (SDM Vol. 2A INVPCID). */
static void check_pcid_invpcid(void)
{
	static const uint64_t desc[2] __attribute__((aligned(16))) = { 0, 0 };
	unsigned long cr4 = read_cr4(), cr3 = read_cr3(), seen = 0;
	uint64_t v;

	if (HAS(l1_ecx, 17)) {
		write_cr4(cr4 | CR4_PCIDE);
		write_cr3(cr3 | 1);
		seen = read_cr3();
		unsigned int vec = read_alias(ALIAS_USER, &v);
		write_cr3(cr3);
		write_cr4(cr4);
		announced("pcid (1.ecx.17)", seen == (cr3 | 1) && vec == NO_FAULT && v == marker,
			  "cr3 with PCID 1 under cr4.pcide reads back 0x%lx", seen & 0xfff);
	}
	PROBE("invpcid %0, %1", , "m"(desc) COMMA "r"(2ul));
	unsigned int all = probe_vector;
	PROBE("invpcid %0, %1", , "m"(desc) COMMA "r"(4ul));
	unsigned int bad = probe_vector;
	if (HAS(l7_ebx, 10))
		announced("invpcid (7.ebx.10)", all == NO_FAULT && bad == VEC_GP,
			  "invpcid type 2 runs, type 4 #GP");
	else
		hidden_insn("invpcid (7.ebx.10)", "invpcid", all, "the backend sets no INVPCID "
			    "intercept", 0);
}

/* The local APIC (1.edx.9) is the VMM's xAPIC page: its ID register
 * holds the initial APIC ID CPUID reports, its version an integrated
 * APIC's (0x10-0x15, SDM Vol. 3A 11.4.8). */
static void check_apic_page(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)APIC_GPA;
	uint32_t id = 0, version = 0;

	PROBE("mov 0x20(%2), %0; mov 0x30(%2), %1", "=r"(id) COMMA "=r"(version),
	      "r"(apic));
	check(HAS(l1_edx, 9) && probe_vector == NO_FAULT && id >> 24 == cpu.l1_ebx >> 24 &&
	      (version & 0xff) >= 0x10 && (version & 0xff) <= 0x15,
	      "apic (1.edx.9): announced, the APIC page's ID is cpuid 1's (%u), version 0x%x",
	      id >> 24, version & 0xff);
}

void walk_paging(void)
{
	unsigned long cr3 = read_cr3();

	build_tables();
	write_cr3((uintptr_t)pml4);
	check_1g_pages();
	check_nx();
	check_pge();
	check_smep();
	check_smap();
	check_pcid_invpcid();
	check_apic_page();
	walk_ring3(ALIAS_USER);
	write_cr3(cr3);
}
