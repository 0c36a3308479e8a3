/*
 * long64.bin: the 64-bit long-mode test guest (docs/test-guests.md).
 * Entered by entry.S with our own stack; prints one PASS/FAIL line per
 * check and a tally, and returns the number of failures (the exit status).
 *
 * Besides the checks it shares with prot32, it aims at what only 64-bit
 * code can get wrong in a VMM's string IO: a 0x67 prefix (32-bit address
 * size: ESI and ECX, results zero-extended) and a linear address above
 * 4 GiB that only the guest's own page tables translate.
 */
#include "guest.h"

const char guest_name[] = "long64";

/* RFLAGS at entry, stored by entry.S before .bss is cleared (so: .data). */
unsigned long entry_rflags = ~0ul;

int main(void);

#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PS  (1ull << 7)     /* in a PD entry: 2 MiB page */

/* PML4 slot 1, PDPT slot 1: linear 512 GiB + 1 GiB + x maps physical x.
 * Its low 32 bits (0x40000000 + x) are not x either, so neither using the
 * linear address as a GPA nor truncating it finds the right bytes. */
#define ALIAS_BASE 0x0000008040000000ull

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt_low[512] __attribute__((aligned(4096)));
static uint64_t pdpt_alias[512] __attribute__((aligned(4096)));
static uint64_t pd_1g[512] __attribute__((aligned(4096)));

static void check_entry_state(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	say("entry: cs=0x%04x cr0=0x%08lx cr3=0x%08lx cr4=0x%08lx rflags=0x%08lx",
	    cs, cr0, read_cr3(), cr4, entry_rflags);
	check((cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG) &&
	      (cr4 & X86_CR4_PAE) &&
	      !(entry_rflags & (X86_EFLAGS_IF | X86_EFLAGS_DF)),
	      "entry state: cr0.pe = cr0.pg = 1, cr4.pae = 1, rflags.if = df = 0");
}

static void check_long_mode_cpuid(void)
{
	uint32_t r[4];

	cpuid(0x80000001, 0, r);
	check(r[3] & (1u << 29), "cpuid 0x80000001: long mode (edx bit 29 set)");
}

/*
 * REP OUTSB with a 0x67 prefix: the CPU uses ESI and ECX and writes them
 * back zero-extended (SDM vol. 1, 3.4.1.1), so garbage in the upper halves
 * of RSI and RCX must be ignored by the VMM and gone afterwards.
 */
static void check_addr32_outsb(void)
{
	static const char text[] =
		"addr32 rep outsb: 32-bit address size, esi and ecx\r\n";
	const uint64_t garbage = 0xdeadbeef00000000ull;
	unsigned long len = sizeof(text) - 1, left = len;
	unsigned long si = (uint32_t)(uintptr_t)text;
	unsigned long cx = 0;
	bool upper_clear = true;

	con_printf("%s: ", guest_name);
	while (left) {
		unsigned long chunk = left < UART_FIFO_BYTES ? left : UART_FIFO_BYTES;

		left -= chunk;
		si |= garbage;
		cx = garbage | chunk;
		con_wait_thre();
		__asm__ volatile("addr32 rep outsb"
				 : "+S"(si), "+c"(cx)
				 : "d"((uint16_t)UART_THR)
				 : "memory");
		upper_clear &= (si >> 32) == 0 && (cx >> 32) == 0;
		if ((uint32_t)cx)
			break;
	}
	if (cx)
		con_putc('\n');
	if (!check(upper_clear && si == (uint32_t)(uintptr_t)text + len && cx == 0,
		   "addr32 rep outsb: esi up by %lu, ecx = 0, both zero-extended",
		   len))
		say("  rsi = 0x%lx (want 0x%lx), rcx = 0x%lx",
		    si, (unsigned long)(uint32_t)(uintptr_t)text + len, cx);
}

/* Our own tables: identity for [0, 1 GiB) like the VMM's, plus the alias. */
static void build_page_tables(void)
{
	for (uint64_t i = 0; i < 512; i++)
		pd_1g[i] = (i << 21) | PTE_PS | PTE_RW | PTE_P;
	pdpt_low[0] = (uintptr_t)pd_1g | PTE_RW | PTE_P;
	pdpt_alias[(ALIAS_BASE >> 30) & 511] = (uintptr_t)pd_1g | PTE_RW | PTE_P;
	pml4[0] = (uintptr_t)pdpt_low | PTE_RW | PTE_P;
	pml4[(ALIAS_BASE >> 39) & 511] = (uintptr_t)pdpt_alias | PTE_RW | PTE_P;
}

/*
 * String IO through a linear address above 4 GiB: the VMM must translate
 * the exit's linear address through the guest's page tables (KVM_TRANSLATE)
 * for REP OUTSB and REP INSB alike. Runs on our own CR3, which it loads
 * (and afterwards restores): a CR3 write the hypervisor must follow.
 */
static void check_alias_string_io(void)
{
	static const char text[] =
		"rep outsb from linear 0x80401xxxxx via the guest's own page tables\r\n";
	static uint8_t buf[16];
	unsigned long old_cr3 = read_cr3();
	unsigned long len = sizeof(text) - 1, cx = len;
	const char *src = (const char *)(ALIAS_BASE + (uintptr_t)text);
	uint8_t *dst = (uint8_t *)(ALIAS_BASE + (uintptr_t)buf + 4);
	bool ok;

	build_page_tables();
	write_cr3((uintptr_t)pml4);
	say("own page tables: cr3=0x%lx, linear 0x%llx maps physical 0",
	    (unsigned long)(uintptr_t)pml4, ALIAS_BASE);

	con_printf("%s: ", guest_name);
	con_rep_outsb(&src, &cx, false);
	if (cx)
		con_putc('\n');
	if (!check((uintptr_t)src == ALIAS_BASE + (uintptr_t)text + len && cx == 0,
		   "rep outsb from a linear address above 4 GiB: rsi up by %lu, rcx = 0",
		   len))
		say("  rsi = 0x%lx, rcx = %lu", (unsigned long)(uintptr_t)src, cx);

	memset(buf, 0x5a, sizeof(buf));
	cx = 8;
	__asm__ volatile("rep insb"
			 : "+D"(dst), "+c"(cx)
			 : "d"((uint16_t)UNCLAIMED_PORT)
			 : "memory");
	ok = (uintptr_t)dst == ALIAS_BASE + (uintptr_t)buf + 12 && cx == 0;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		ok &= buf[i] == (i >= 4 && i < 12 ? 0xff : 0x5a);
	if (!check(ok, "rep insb to a linear address above 4 GiB: "
		   "8 bytes of 0xff land at the physical alias, guard bytes kept"))
		say("  rdi = 0x%lx, rcx = %lu", (unsigned long)(uintptr_t)dst, cx);

	write_cr3(old_cr3);
}

int main(void)
{
	con_init();
	say("hello from 64-bit long mode");
	check_entry_state();
	check_rep_outsb(false);
	check_rep_outsb(true);
	check_rep_insb(false);
	check_rep_insb(true);
	check_in_unclaimed();
	check_cpuid();
	check_long_mode_cpuid();
	check_addr32_outsb();
	check_alias_string_io();
	return (int)finish();
}
