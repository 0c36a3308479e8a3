/*
 * mmio.bin: MMIO through the hypervisor's instruction emulator
 * (docs/test-guests.md, "mmio.bin"). A 64-bit guest entered like long64.bin
 * that maps the VMM's MMIO test device (MMIOTEST_GPA, 3.25 GiB) with its
 * own page tables and aims one instruction form after another at it:
 * MOV of every size, MOVZX/MOVSX, read-modify-write ALU forms, XCHG, XADD,
 * CMPXCHG, CMPXCHG8B, BT/BTS/BTR/BTC, PUSH/POP with memory operands, MOVS
 * between RAM and MMIO both ways and MMIO to MMIO, with REP and DF = 0/1,
 * and STOS, and code run from the device. Each check compares values and the device's READS/WRITES
 * counters (exits as the VMM saw them: a read-modify-write is one read and
 * one write, a REP string instruction one exit per element). Before each
 * check the guest writes its number to MARK, so the VMM's `trace` can be
 * cut into the same cases (tests/system/test_abi_mmio.py).
 *
 * After the tally and the exit-port OUT, the next instruction is a
 * CMPXCHG16B on the device, which the emulator refuses: the run after the
 * exit ends with KVM_EXIT_UNKNOWN.
 */
#include "mmio.h"

const char guest_name[] = "mmio";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

#define UNCLAIMED_GPA (MMIOTEST_GPA + 0x100000)

/* ---- the device's counters ------------------------------------------------- */

struct counts {
	uint64_t reads, writes;
};

static struct counts counts_now(void)
{
	struct counts c = { REG64(MMIOTEST_READS), REG64(MMIOTEST_WRITES) };

	return c;
}

static struct counts base;

/* Labels the case for the trace, then remembers the counters. */
void begin(unsigned int n)
{
	REG64(MMIOTEST_MARK) = n;
	base = counts_now();
}

/* True if exactly r reads and w writes happened since begin(). */
bool exits(uint64_t r, uint64_t w)
{
	struct counts c = counts_now();
	bool ok = c.reads - base.reads == r && c.writes - base.writes == w;

	if (!ok)
		say("  device saw %lu reads, %lu writes (want %lu, %lu)",
		    (unsigned long)(c.reads - base.reads),
		    (unsigned long)(c.writes - base.writes), (unsigned long)r,
		    (unsigned long)w);
	return ok;
}

static void data_fill(unsigned int off, uint8_t start, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		DEV[MMIOTEST_DATA + off + i] = (uint8_t)(start + i);
}

/* ---- the checks ------------------------------------------------------------- */

static void check_id(void)
{
	uint64_t id;

	begin(1);
	__asm__ volatile("mov %1, %0" : "=r"(id) : "m"(REG64(MMIOTEST_ID)));
	if (!check(id == MMIOTEST_ID_VALUE && exits(0, 0),
		   "mov r64, [mmio]: ID register reads 'MMIOTEST'"))
		say("  id = 0x%lx", (unsigned long)id);
}

static void check_mov_sizes(void)
{
	volatile uint64_t *q = (volatile uint64_t *)(DEV + 0x10);
	uint64_t v64, whole;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	begin(2);
	__asm__ volatile("movq %1, %0" : "=m"(*q) : "r"(0x1122334455667788ull));
	__asm__ volatile("movb %1, %0" : "=m"(DEV[0x10]) : "q"((uint8_t)0xaa));
	__asm__ volatile("movw %1, %0" : "=m"(*(volatile uint16_t *)(DEV + 0x12)) : "r"((uint16_t)0xbbcc));
	__asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)(DEV + 0x14)) : "r"(0xddeeff00u));
	__asm__ volatile("movb %1, %0" : "=q"(v8) : "m"(DEV[0x10]));
	__asm__ volatile("movw %1, %0" : "=r"(v16) : "m"(*(volatile uint16_t *)(DEV + 0x12)));
	__asm__ volatile("movl %1, %0" : "=r"(v32) : "m"(*(volatile uint32_t *)(DEV + 0x14)));
	__asm__ volatile("movq %1, %0" : "=r"(whole) : "m"(*q));
	check(v8 == 0xaa && v16 == 0xbbcc && v32 == 0xddeeff00u &&
	      whole == 0xddeeff00bbcc77aaull && exits(4, 4),
	      "mov [mmio] of 1, 2, 4, 8 bytes, written and read back");

	begin(3);
	__asm__ volatile("movq $-2, %0" : "=m"(*q));           /* imm32 sign-extended */
	__asm__ volatile("movzbl %1, %k0" : "=r"(v64) : "m"(DEV[0x10]));
	v32 = (uint32_t)v64;
	__asm__ volatile("movswq %1, %0" : "=r"(v64) : "m"(*(volatile uint16_t *)(DEV + 0x12)));
	check(v32 == 0xfe && v64 == ~0ull && exits(2, 1),
	      "mov qword [mmio], imm32; movzx r32, byte [mmio]; movsx r64, word [mmio]");

	begin(4);
	*q = 0;
	__asm__ volatile("movq %1, %0" : "=m"(*(volatile uint64_t *)(DEV + 0x23))
			 : "r"(0x0807060504030201ull));
	check(DEV[0x23] == 1 && DEV[0x2a] == 8 && DEV[0x22] == 0 && DEV[0x2b] == 0 &&
	      exits(4, 2),
	      "mov qword to an unaligned mmio address (offset 0x23) lands byte-exact");
}

/* A read-modify-write is one read exit and then one write exit. */
static void check_rmw(void)
{
	volatile uint64_t *q = (volatile uint64_t *)(DEV + 0x40);
	volatile uint32_t *d = (volatile uint32_t *)(DEV + 0x48);
	volatile uint16_t *w = (volatile uint16_t *)(DEV + 0x4c);
	volatile uint8_t *b = DEV + 0x4e;
	unsigned long flags;
	uint64_t v;
	bool ok;

	*q = 5;
	begin(5);
	__asm__ volatile("addq %1, %0" : "+m"(*q) : "r"(7ull) : "cc");
	v = *q;
	if (!check(v == 12 && exits(2, 1), "add [mmio], r64: 5 + 7 = 12, one read then one write"))
		say("  [mmio] = %lu", (unsigned long)v);

	*q = 12;
	begin(6);
	__asm__ volatile("lock subq %2, %0; pushfq; popq %1"
			 : "+m"(*q), "=r"(flags) : "r"(12ull) : "cc");
	check(*q == 0 && (flags & 0x40) && exits(2, 1),
	      "lock sub [mmio], r64: 12 - 12 = 0 and ZF set");

	*d = 0xf0f0f0f0;
	*w = 0x00ff;
	*b = 0x80;
	begin(7);
	__asm__ volatile("andl $0x0ff00ff0, %0" : "+m"(*d) : : "cc");
	__asm__ volatile("orw $0x0f00, %0" : "+m"(*w) : : "cc");
	__asm__ volatile("xorb $0xff, %0" : "+m"(*b) : : "cc");
	__asm__ volatile("incl %0" : "+m"(*d) : : "cc");
	__asm__ volatile("negw %0" : "+m"(*w) : : "cc");
	__asm__ volatile("notb %0" : "+m"(*b) : : "cc");
	__asm__ volatile("shlq $4, %0" : "+m"(*q) : : "cc");
	ok = exits(7, 7);
	check(ok && *d == 0x00f000f1 && *w == (uint16_t)-0x0fff && *b == 0x80 && *q == 0,
	      "and, or, xor, inc, neg, not, shl on [mmio] of 1, 2, 4, 8 bytes: one read and one write each");
}

static void check_exchanges(void)
{
	volatile uint64_t *q = (volatile uint64_t *)(DEV + 0x60);
	volatile uint32_t *d = (volatile uint32_t *)(DEV + 0x68);
	unsigned long flags;
	uint64_t r, old, mem;
	uint32_t eax, edx;

	*q = 0x1111;
	r = 0x2222;
	begin(8);
	__asm__ volatile("xchgq %0, %1" : "+r"(r), "+m"(*q));
	check(r == 0x1111 && *q == 0x2222 && exits(2, 1),
	      "xchg [mmio], r64: registers and memory swapped, one read then one write");

	*d = 40;
	eax = 2;
	begin(9);
	__asm__ volatile("lock xaddl %0, %1" : "+r"(eax), "+m"(*d) : : "cc");
	check(eax == 40 && *d == 42 && exits(2, 1), "lock xadd [mmio], r32: 40 + 2");

	*q = 5;
	old = 5;
	begin(10);
	__asm__ volatile("lock cmpxchgq %3, %1; pushfq; popq %2"
			 : "+a"(old), "+m"(*q), "=r"(flags) : "r"(9ull) : "cc");
	mem = *q;
	check(mem == 9 && old == 5 && (flags & 0x40) && exits(2, 1),
	      "lock cmpxchg [mmio], r64 (equal): memory = new value, ZF set");

	old = 6;
	begin(11);
	__asm__ volatile("lock cmpxchgq %3, %1; pushfq; popq %2"
			 : "+a"(old), "+m"(*q), "=r"(flags) : "r"(7ull) : "cc");
	mem = *q;
	/* SDM Vol. 2A CMPXCHG: the destination is written back either way */
	check(mem == 9 && old == 9 && !(flags & 0x40) && exits(2, 1),
	      "lock cmpxchg [mmio], r64 (different): rax = memory, ZF clear, the old value written back");

	*q = 0x0000000200000001ull;
	eax = 1;
	edx = 2;
	begin(12);
	__asm__ volatile("lock cmpxchg8b %2; pushfq; popq %3"
			 : "+a"(eax), "+d"(edx), "+m"(*q), "=r"(flags)
			 : "b"(0x33333333u), "c"(0x44444444u) : "cc");
	mem = *q;
	check(mem == 0x4444444433333333ull && (flags & 0x40) && exits(2, 1),
	      "lock cmpxchg8b [mmio] (equal): edx:eax replaced by ecx:ebx");
}

static void check_bits(void)
{
	volatile uint32_t *d = (volatile uint32_t *)(DEV + 0x80);
	unsigned long flags;
	uint64_t r;
	bool ok;

	d[0] = 0x20;
	d[1] = d[2] = d[3] = 0;
	begin(13);
	__asm__ volatile("btl $5, %1; pushfq; popq %0" : "=r"(flags) : "m"(d[0]) : "cc");
	check((flags & 1) && exits(1, 0), "bt dword [mmio], 5: CF = 1, one read and no write");

	begin(14);
	__asm__ volatile("btsl $3, %1; pushfq; popq %0" : "=r"(flags), "+m"(d[0]) : : "cc");
	ok = exits(1, 1);
	check(ok && !(flags & 1) && d[0] == 0x28, "bts dword [mmio], 3: bit set, CF = old bit 0");

	/* A register bit offset reaches beyond the operand: bit 100 of a
	 * dword array is bit 4 of the dword at +12 (SDM Vol. 2A BT). */
	r = 100;
	begin(15);
	__asm__ volatile("btsl %k1, %2; pushfq; popq %0"
			 : "=r"(flags) : "r"(r), "m"(d[0]) : "cc", "memory");
	ok = exits(1, 1);
	check(ok && !(flags & 1) && d[3] == 0x10 && d[0] == 0x28,
	      "bts [mmio], r32 with bit offset 100: bit 4 of the dword at +12");

	r = 100;
	begin(16);
	__asm__ volatile("btrl %k1, %2; pushfq; popq %0"
			 : "=r"(flags) : "r"(r), "m"(d[0]) : "cc", "memory");
	__asm__ volatile("btcw $0, %0" : "+m"(*(volatile uint16_t *)(DEV + 0x84)) : : "cc");
	ok = exits(2, 2);
	check(ok && (flags & 1) && d[3] == 0 && d[1] == 1,
	      "btr [mmio], r32 (offset 100) then btc word [mmio], 0");
}

static void check_push_pop(void)
{
	volatile uint64_t *q = (volatile uint64_t *)(DEV + 0xa0);
	uint64_t v;

	*q = 0x0123456789abcdefull;
	begin(17);
	__asm__ volatile("pushq %1; popq %0" : "=r"(v) : "m"(*q) : "memory");
	check(v == 0x0123456789abcdefull && exits(1, 0), "push qword [mmio]");

	begin(18);
	__asm__ volatile("pushq %1; popq %0" : "=m"(*(volatile uint64_t *)(DEV + 0xa8))
			 : "r"(0xfedcba9876543210ull) : "memory");
	check(REG64(0xa8) == 0xfedcba9876543210ull && exits(1, 1), "pop qword [mmio]");
}

static void check_movs(void)
{
	static const char text[16] = "0123456789abcdef";
	static uint8_t buf[64];
	const void *si;
	void *di;
	unsigned long cx;
	bool ok;

	/* RAM -> MMIO, REP MOVSB, DF = 0 */
	si = text;
	di = (void *)(DEV + 0x100);
	cx = 16;
	begin(19);
	__asm__ volatile("rep movsb" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	ok = exits(0, 16) && cx == 0 && si == text + 16 && di == (void *)(DEV + 0x110);
	for (unsigned int i = 0; i < 16; i++)
		ok &= DEV[0x100 + i] == (uint8_t)text[i];
	check(ok, "rep movsb RAM -> mmio, DF = 0: 16 bytes, 16 write exits, rsi/rdi up 16, rcx = 0");

	/* RAM -> MMIO, REP MOVSQ, DF = 1 (from the last element down) */
	static const uint64_t quads[4] = { 0x1010, 0x2020, 0x3030, 0x4040 };
	si = &quads[3];
	di = (void *)(DEV + 0x138);
	cx = 4;
	begin(20);
	__asm__ volatile("std; rep movsq; cld" : "+S"(si), "+D"(di), "+c"(cx) : : "memory", "cc");
	ok = exits(0, 4) && cx == 0 && (uintptr_t)si == (uintptr_t)quads - 8 &&
	     di == (void *)(DEV + 0x118);
	for (unsigned int i = 0; i < 4; i++)
		ok &= REG64(0x120 + 8 * i) == quads[i];
	check(ok, "std; rep movsq RAM -> mmio, DF = 1: 4 qwords, rsi/rdi down 32");

	/* MMIO -> RAM, REP MOVSD, DF = 0 */
	data_fill(0x200, 0x40, 32);
	memset(buf, 0x5a, sizeof(buf));
	si = (const void *)(DEV + 0x200);
	di = buf + 4;
	cx = 8;
	begin(21);
	__asm__ volatile("rep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	ok = exits(8, 0) && cx == 0 && di == buf + 36;
	for (unsigned int i = 0; i < sizeof(buf); i++)
		ok &= buf[i] == (i >= 4 && i < 36 ? 0x40 + i - 4 : 0x5a);
	check(ok, "rep movsd mmio -> RAM, DF = 0: 8 dwords, 8 read exits, guard bytes kept");

	/* MMIO -> RAM, REP MOVSW, DF = 1 */
	memset(buf, 0x5a, sizeof(buf));
	si = (const void *)(DEV + 0x206);
	di = buf + 6;
	cx = 4;
	begin(22);
	__asm__ volatile("std; rep movsw; cld" : "+S"(si), "+D"(di), "+c"(cx) : : "memory", "cc");
	ok = exits(4, 0) && cx == 0 && (uintptr_t)di == (uintptr_t)buf - 2 &&
	     si == (const void *)(DEV + 0x1fe);
	for (unsigned int i = 0; i < 16; i++)
		ok &= buf[i] == (i < 8 ? 0x40 + i : 0x5a);
	check(ok, "std; rep movsw mmio -> RAM, DF = 1: 4 words, rsi/rdi down 8");

	/* MMIO -> MMIO: each element is a read exit, then a write exit */
	si = (const void *)(DEV + 0x200);
	di = (void *)(DEV + 0x300);
	cx = 3;
	begin(23);
	__asm__ volatile("rep movsq" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	ok = exits(3, 3) && cx == 0;
	for (unsigned int i = 0; i < 3; i++)
		ok &= REG64(0x300 + 8 * i) == REG64(0x200 + 8 * i);
	check(ok, "rep movsq mmio -> mmio: 3 qwords, read then write per element");

	/* one MOVSB without REP */
	si = text + 5;
	di = (void *)(DEV + 0x310);
	begin(24);
	__asm__ volatile("movsb" : "+S"(si), "+D"(di) : : "memory");
	ok = exits(0, 1);
	check(ok && DEV[0x310] == '5' && si == text + 6, "movsb RAM -> mmio without REP");
}

static void check_stos(void)
{
	void *di = (void *)(DEV + 0x400);
	unsigned long cx = 5;
	bool ok;

	begin(25);
	__asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(0xdeadbeefu) : "memory");
	ok = exits(0, 5) && cx == 0 && di == (void *)(DEV + 0x414);
	for (unsigned int i = 0; i < 5; i++)
		ok &= *(volatile uint32_t *)(DEV + 0x400 + 4 * i) == 0xdeadbeefu;
	check(ok, "rep stosd to mmio: 5 dwords of 0xdeadbeef, 5 write exits");

	di = (void *)(DEV + 0x426);
	cx = 3;
	begin(26);
	__asm__ volatile("std; rep stosw; cld" : "+D"(di), "+c"(cx) : "a"(0x7777) : "memory", "cc");
	ok = exits(0, 3) && cx == 0 && di == (void *)(DEV + 0x420);
	check(ok && *(volatile uint16_t *)(DEV + 0x422) == 0x7777 &&
	      *(volatile uint16_t *)(DEV + 0x420) == 0,
	      "std; rep stosw to mmio, DF = 1: 3 words, rdi down 6");
}

static void check_seq_and_unclaimed(void)
{
	uint64_t a, b, c, u;

	REG64(MMIOTEST_RESET) = 1;
	begin(27);
	a = REG64(MMIOTEST_SEQ);
	b = REG64(MMIOTEST_SEQ);
	c = *(volatile uint32_t *)(MMIOTEST_GPA + MMIOTEST_SEQ);
	check(a == 0 && b == 1 && c == 2 && exits(3, 0),
	      "SEQ after RESET reads 0, 1, 2: every read is one exit");

	begin(28);
	u = *(volatile uint64_t *)UNCLAIMED_GPA;
	*(volatile uint64_t *)UNCLAIMED_GPA = 0x55;
	check(u == 0 && exits(0, 0), "mmio nobody claims (0xd0100000) reads 0 and ignores writes");
}

/* Code in MMIO: a routine written into the device and called there. Every
 * fetch there is a nested page fault; the emulator reads the bytes through
 * MMIO read exits (naturally aligned, only as many as decoding needs) and
 * runs them: mov eax, 42 at +0x600 is one 8-byte read, the ret at +0x605
 * one 1-byte read (docs/emulator.md, "Instruction fetch from MMIO"). */
static void check_code_in_mmio(void)
{
	/* b8 2a 00 00 00: mov eax, 42; c3: ret; cc cc: never reached */
	const uint64_t code = 0xccccc30000002ab8ULL;
	uint64_t rax = 0;

	REG64(MMIOTEST_DATA + 0x600) = code;
	begin(29);
	__asm__ volatile("call *%1" : "+a"(rax) : "r"(MMIOTEST_GPA + 0x600) : "memory", "cc");
	check(rax == 42 && exits(2, 0),
	      "call into mmio: mov eax, 42; ret run from the device, 2 reads (8 bytes, 1)");

	/* OUT and IN from the device's code are IO exits like any others: the
	 * value written to port 0x80 comes back. mov al, 0x5a; out 0x80, al;
	 * mov al, 0; in al, 0x80; ret: fetched as 8, 2, 4, 2, 8 bytes. */
	REG64(MMIOTEST_DATA + 0x610) = 0x80e400b080e65ab0ULL;
	REG64(MMIOTEST_DATA + 0x618) = 0xccccccccccccccc3ULL;
	rax = 0;
	begin(30);
	__asm__ volatile("call *%1" : "+a"(rax) : "r"(MMIOTEST_GPA + 0x610) : "memory", "cc");
	check(rax == 0x5a && exits(5, 0),
	      "call into mmio: out 0x80 then in from port 0x80 run from the device, 5 reads");

	/* rep insb from the device's code into RAM: handed to the VMM whole,
	 * like the hardware's INS exit. rep insb; ret: fetched as 8, 2 bytes. */
	static uint8_t buf[8];
	uint8_t *di = buf;
	uint64_t cx = 4;

	REG64(MMIOTEST_DATA + 0x620) = 0xccccccccccc36cf3ULL;
	begin(31);
	__asm__ volatile("call *%2" : "+D"(di), "+c"(cx) : "r"(MMIOTEST_GPA + 0x620), "d"(0x80)
			 : "memory", "cc");
	check(cx == 0 && di == buf + 4 && buf[0] == 0x5a && buf[3] == 0x5a && buf[4] == 0 &&
	      exits(2, 0),
	      "call into mmio: rep insb from port 0x80 into RAM run from the device, 2 reads");
}

/* The fences and CLFLUSH run from the device (emul/exec_fence.c): lfence;
 * mfence; sfence; clflush [rdi] with rdi on the device; ret, at +0x630.
 * No data access: only the fetch reads, by the chunk rule above 1 (8
 * bytes at +0x630), 2 (+0x633: 1, then 4), 2 (+0x636: 2, then 8), 2
 * (+0x639: 1, then 2) and 1 (+0x63c: 4). Every x86-64 CPU announces SSE2
 * and CLFLUSH. */
static void check_fences_in_mmio(void)
{
	/* 0f ae e8 lfence; 0f ae f0 mfence; 0f ae f8 sfence; 0f ae 3f
	 * clflush (%rdi); c3 ret; cc cc cc */
	REG64(MMIOTEST_DATA + 0x630) = 0xae0ff0ae0fe8ae0fULL;
	REG64(MMIOTEST_DATA + 0x638) = 0xccccccc33fae0ff8ULL;
	begin(51);
	__asm__ volatile("call *%0" : : "r"(MMIOTEST_GPA + 0x630),
			 "D"(MMIOTEST_GPA + 0x600) : "memory");
	check(exits(8, 0),
	      "call into mmio: lfence, mfence, sfence, clflush [mmio] run from the device, "
	      "8 fetch reads, no data access");
}

/* MASKMOVDQU xmm1, xmm2 to the device at rdi = +0x480 (emul/exec_maskmov.c):
 * the mask selects bytes 0-2, 5 and 8-15 (0x80; 0x7f elsewhere: only the
 * top bit counts), so 3 writes, one per run (3, 1 and 8 bytes), and the
 * other bytes keep 0x55; then an all-zero mask: no access at all. */
static void check_maskmov(void)
{
	static const uint8_t data[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
					  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
	static const uint8_t mask[16] = { 0x80, 0x80, 0x80, 0x7f, 0x7f, 0x80, 0x7f, 0x7f,
					  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };
	static const uint8_t zero[16];
	bool runs, none;

	REG64(MMIOTEST_DATA + 0x480) = 0x5555555555555555ULL;
	REG64(MMIOTEST_DATA + 0x488) = 0x5555555555555555ULL;
	begin(52);
	__asm__ volatile("movdqu %1, %%xmm1\n\tmovdqu %2, %%xmm2\n\t"
			 "maskmovdqu %%xmm2, %%xmm1"
			 : : "D"(MMIOTEST_GPA + 0x480), "m"(data), "m"(mask) : "memory");
	runs = exits(0, 3);
	begin(53);
	__asm__ volatile("movdqu %1, %%xmm2\n\tmaskmovdqu %%xmm2, %%xmm1"
			 : : "D"(MMIOTEST_GPA + 0x480), "m"(zero) : "memory");
	none = exits(0, 0);
	check(runs && none && REG64(MMIOTEST_DATA + 0x480) == 0x5555155555121110ULL &&
	      REG64(MMIOTEST_DATA + 0x488) == 0x1f1e1d1c1b1a1918ULL,
	      "maskmovdqu xmm1, xmm2 to [mmio]: one write per run of selected bytes (3, 1, 8), "
	      "the others kept; an all-zero mask writes nothing");
}

/* ---- x87 on the device: the emulator has the vCPU's FPU run them ---------- */

#define X87_AT  0x700           /* data offsets the x87 checks use */
#define ENV_FIP 12              /* the 28-byte FNSTENV image */
#define ENV_FOP 16              /* FCS in bits 15:0, FOP in 26:16 */
#define ENV_FDP 20
/* check 39's code fetched from the device: one read per instruction */
#define X87_FLAGS_FETCHES 4

static uint32_t env_field(const uint8_t *env, unsigned off)
{
	uint32_t v;

	memcpy(&v, env + off, sizeof(v));
	return v;
}

/* fld qword [rdi], always at the same RIP, then FNSTENV into env. */
static void __attribute__((noinline)) fld_at(const volatile void *p, uint8_t *env)
{
	__asm__ volatile("fldl (%0)\n\t"
			 "fnstenv (%1)\n\t"
			 "fldenv (%1)\n\t"
			 "fstp %%st(0)"
			 : : "r"(p), "r"(env) : "memory");
}

static void check_x87(void)
{
	/* 2.5 as a double, kept in integers: the guest's C uses no FP */
	static const uint64_t two_and_a_half = 0x4004000000000000ull;
	volatile uint8_t *at = DEV + MMIOTEST_DATA + X87_AT;
	uint8_t ram_t[10], env_ram[28], env_dev[28];
	uint64_t d = 0;

	__asm__ volatile("fninit");
	REG64(MMIOTEST_DATA + X87_AT) = two_and_a_half;
	begin(32);
	__asm__ volatile("fldl (%1)\n\tfstpl %0" : "=m"(d) : "r"(at) : "memory");
	check(d == two_and_a_half && exits(1, 0), "fld qword [mmio]: 2.5, one 8-byte read");

	begin(33);
	__asm__ volatile("fld1\n\tfstpt (%0)" : : "r"(at + 0x10) : "memory");
	bool two_writes = exits(0, 2);
	__asm__ volatile("fld1\n\tfstpt %0" : "=m"(ram_t) : : "memory");
	check(two_writes && memcmp((const void *)(at + 0x10), ram_t, 10) == 0,
	      "fld1; fstp tbyte [mmio]: the 10 bytes of 1.0, two writes (8 + 2)");

	/* the FPU's record of the last instruction is the guest's: the same
	 * FLD from RAM and from MMIO leaves the same FIP and FOP, and FDP
	 * differs by the operands' distance (or not at all on a CPU that
	 * records FDP only for exceptions) */
	fld_at(&two_and_a_half, env_ram);
	begin(34);
	fld_at(at, env_dev);
	bool one_read = exits(1, 0);
	uint32_t dist = (uint32_t)((uintptr_t)at - (uintptr_t)&two_and_a_half);
	uint32_t fdp_delta = env_field(env_dev, ENV_FDP) - env_field(env_ram, ENV_FDP);
	say("FNSTENV after fld from RAM: FIP 0x%x FCS/FOP 0x%x FDP 0x%x; from mmio: "
	    "0x%x 0x%x 0x%x", env_field(env_ram, ENV_FIP), env_field(env_ram, ENV_FOP),
	    env_field(env_ram, ENV_FDP), env_field(env_dev, ENV_FIP),
	    env_field(env_dev, ENV_FOP), env_field(env_dev, ENV_FDP));
	check(env_field(env_dev, ENV_FIP) == env_field(env_ram, ENV_FIP) &&
	      env_field(env_dev, ENV_FOP) == env_field(env_ram, ENV_FOP) &&
	      (fdp_delta == dist || fdp_delta == 0) && one_read,
	      "fld qword [mmio]: FIP, FCS, FOP and FDP as after the same fld from RAM");

	begin(35);
	__asm__ volatile("fnstenv (%0)\n\tfldenv (%0)" : : "r"(at + 0x40) : "memory");
	bool four_each = exits(4, 4);
	__asm__ volatile("fnstenv %0\n\tfldenv %0" : "=m"(env_ram) : : "memory");
	check(four_each && memcmp((const void *)(at + 0x40), env_ram, 28) == 0,
	      "fnstenv [mmio], fldenv [mmio]: the 28-byte image out in 4 writes, back in 4 reads");

	/* an x87 register form run from the device: d9 e8 fld1; c3 ret */
	REG64(MMIOTEST_DATA + X87_AT + 0x80) = 0xccccccccccc3e8d9ull;
	begin(36);
	__asm__ volatile("call *%0" : : "r"(MMIOTEST_GPA + MMIOTEST_DATA + X87_AT + 0x80)
			 : "memory", "cc", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
			   "r10", "r11");
	bool two_fetches = exits(2, 0);
	__asm__ volatile("fstpl %0" : "=m"(d) : : "memory");
	check(two_fetches && d == 0x3ff0000000000000ull,
	      "call into mmio: fld1; ret run from the device, 1.0 on the FPU stack");

	/* with an unmasked exception pending (#Z of 1/0, ZM clear), the
	 * no-wait FNSTENV to the device runs and stores ES and ZE; the
	 * hypervisor must not take the #MF itself */
	static const uint16_t cw_zm_clear = 0x37b;
	static const uint64_t zero = 0;
	uint8_t env_pending[28];
	__asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfdivl %1"    /* 1 / 0 */
			 : : "m"(cw_zm_clear), "m"(zero));
	begin(37);
	__asm__ volatile("fnstenv (%0)\n\tfnclex" : : "r"(at + 0xc0) : "memory");
	bool four_writes = exits(0, 4);
	memcpy(env_pending, (const void *)(at + 0xc0), sizeof(env_pending));
	__asm__ volatile("fninit");
	uint16_t fsw = (uint16_t)env_field(env_pending, 4);
	check(four_writes && (fsw & 0x84) == 0x84,
	      "fnstenv [mmio] with #Z pending: FSW 0x%x has ES and ZE, 4 writes", fsw);

	/* MXCSR to and from the device (long64's entry sets CR4.OSFXSR):
	 * round-to-zero and all exceptions masked, read back through RAM */
	uint32_t mx_ram = 0, mx_before = 0, rz = 0x7f80;
	__asm__ volatile("stmxcsr %0" : "=m"(mx_before));
	*(volatile uint32_t *)(at + 0xe0) = rz;
	begin(38);
	__asm__ volatile("ldmxcsr (%0)\n\tstmxcsr 4(%0)" : : "r"(at + 0xe0) : "memory");
	bool one_each = exits(1, 1);
	__asm__ volatile("stmxcsr %0\n\tldmxcsr %1" : "=m"(mx_ram) : "m"(mx_before));
	check(one_each && mx_ram == rz && *(volatile uint32_t *)(at + 0xe4) == rz,
	      "ldmxcsr [mmio] then stmxcsr [mmio]: MXCSR 0x%x, one read and one write",
	      mx_ram);

	/* register forms with RFLAGS and AX, run from the device: fnstsw ax;
	 * fcomi st, st(1); fcmovb st, st(1); ret, on ST(0) = 0, ST(1) = 1.
	 * AX is the status word (TOP 6); 0 < 1 sets CF and clears ZF and PF
	 * (the XOR set them); FCMOVB sees that CF and copies the 1.0 */
	uint64_t ax, fl;
	REG64(MMIOTEST_DATA + X87_AT + 0xa0) = 0xccc3c1daf1dbe0dfull;
	__asm__ volatile("fninit\n\tfld1\n\tfldz");
	begin(39);
	__asm__ volatile("xor %%eax, %%eax\n\t"
			 "call *%2\n\t"
			 "pushfq\n\t"
			 "pop %1"
			 : "=&a"(ax), "=&r"(fl)
			 : "r"(MMIOTEST_GPA + MMIOTEST_DATA + X87_AT + 0xa0)
			 : "memory", "cc", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
			   "r10", "r11");
	bool fetched = exits(X87_FLAGS_FETCHES, 0);
	__asm__ volatile("fstpl %0\n\tfstp %%st(0)" : "=m"(d) : : "memory");
	check(fetched && ax == 0x3000 && (fl & 0x45) == 0x01 && d == 0x3ff0000000000000ull,
	      "call into mmio: fnstsw ax (0x%lx), fcomi (RFLAGS 0x%lx), fcmovb, ret",
	      (unsigned long)ax, (unsigned long)fl);
}

/* ---- MMX and SSE on the device: the emulator has the vCPU run them ------ */

#define SIMD_AT 0x640           /* data offset the SIMD checks use (16-aligned) */
#define SIMD_IN 24              /* bytes of input the MMX sequence reads */

/* The same MMX sequence on p (RAM or the device), from one RIP: with TOP
 * at 6 (FLD1, FLDZ), so MM2 and MM5 are not ST(2) and ST(5); out gets
 * the FNSTENV image (TOP and the tags after MMX) and MM0, MM2, MM5-MM7.
 * (QEMU sets TOP to 0 before the access exits, which a CPU does not: the
 * register trade by TOP has its own unit test, test_simd_image.c.) */
static void __attribute__((noinline)) mmx_ops(volatile uint8_t *p, uint8_t *out,
					      const uint64_t *mm0)
{
	__asm__ volatile("movq (%2), %%mm0\n\t"
			 "pxor %%mm2, %%mm2\n\t"            /* no result left over */
			 "fninit\n\tfld1\n\tfldz\n\t"
			 "movq (%0), %%mm2\n\t"             /* 8-byte read */
			 "paddw 8(%0), %%mm2\n\t"           /* 8-byte read */
			 "pxor %%mm5, %%mm5\n\t"
			 "punpcklbw 16(%0), %%mm5\n\t"      /* 4-byte read */
			 "movq %%mm2, 24(%0)\n\t"           /* 8-byte write */
			 "movq %%mm5, 32(%0)\n\t"           /* 8-byte write */
			 "fnstenv (%1)\n\t"
			 "movq %%mm0, 32(%1)\n\tmovq %%mm2, 40(%1)\n\t"
			 "movq %%mm5, 48(%1)\n\tmovq %%mm6, 56(%1)\n\t"
			 "movq %%mm7, 64(%1)\n\t"
			 "emms"
			 : : "r"(p), "r"(out), "r"(mm0) : "memory");
}

/* The same SSE sequence on p (16-byte aligned): loads into XMM3, XMM0 and
 * XMM9 (REX.R), a conversion to EAX, a compare into RFLAGS, stores; out
 * gets the three registers, EAX, the flags and MXCSR. */
static void __attribute__((noinline)) sse_ops(volatile uint8_t *p, uint8_t *out)
{
	static const uint32_t mxcsr_clear = 0x1f80;

	__asm__ volatile("ldmxcsr %2\n\t"
			 "pxor %%xmm0, %%xmm0\n\tpxor %%xmm3, %%xmm3\n\t"
			 "pxor %%xmm9, %%xmm9\n\t"          /* no result left over */
			 "movdqa (%0), %%xmm3\n\t"          /* 16, aligned */
			 "paddd 16(%0), %%xmm3\n\t"         /* 16, aligned */
			 "movups 36(%0), %%xmm0\n\t"        /* 16, unaligned */
			 "addps %%xmm3, %%xmm0\n\t"
			 "pshufd $0x1b, 48(%0), %%xmm9\n\t" /* imm8 form */
			 "cvtsd2si 8(%0), %%eax\n\t"        /* 8, into EAX */
			 "mov %%eax, 48(%1)\n\t"
			 "ucomiss 4(%0), %%xmm0\n\t"        /* 4, into RFLAGS */
			 "pushfq\n\tpopq 56(%1)\n\t"
			 "movdqu %%xmm3, 64(%0)\n\t"        /* 16-byte write */
			 "movq %%xmm9, 80(%0)\n\t"          /* 8-byte write */
			 "movss %%xmm0, 88(%0)\n\t"         /* 4-byte write */
			 "movdqu %%xmm0, (%1)\n\tmovdqu %%xmm3, 16(%1)\n\t"
			 "movdqu %%xmm9, 32(%1)\n\t"
			 "stmxcsr 64(%1)"
			 : : "r"(p), "r"(out), "m"(mxcsr_clear) : "memory", "rax", "cc");
}

/* 64 bytes of input, 32 of zeros for the stores, 8 bytes at a time */
static void simd_input(volatile uint8_t *p)
{
	for (unsigned int i = 0; i < 8; i++)
		((volatile uint64_t *)p)[i] = 0x0f1e2d3c4b5a6978ull * (i + 1);
	for (unsigned int i = 8; i < 12; i++)
		((volatile uint64_t *)p)[i] = 0;
}

/* n bytes (a multiple of 8) compared 8 at a time */
static bool same(const volatile uint8_t *a, const uint8_t *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i += 8) {
		uint64_t va = *(const volatile uint64_t *)(a + i), vb;

		memcpy(&vb, b + i, sizeof(vb));
		if (va != vb)
			return false;
	}
	return true;
}

/* Checks 47-48: FXSAVE and FXRSTOR with the 512-byte image on the device
 * (emul/exec_fxsr.c, core/x87_proxy.c): the 416 bytes 64-bit mode stores
 * (XMM0-15) go out in 52 writes and equal an FXSAVE to RAM of the same
 * state; an image written to the device and loaded by FXRSTOR64 (52
 * reads) is the state an FXSAVE64 to RAM finds after it, but for the
 * last-instruction pointers (bytes 8-23), which the two formats lay out
 * differently. */
#define FXSR_AT 0x000

static void fxsr_state(void)
{
	static const uint64_t pattern[8] __attribute__((aligned(16))) = {
		0x0123456789abcdefull, 0xfedcba9876543210ull, 0x1111222233334444ull,
		0x5555666677778888ull, 0x99990000aaaabbbbull, 0xccccddddeeeeffffull,
		0x0f0f0f0f0f0f0f0full, 0xf0f0f0f0f0f0f0f0ull,
	};
	static const uint32_t mxcsr = 0x1f80 | 0x6000;  /* round toward zero */

	__asm__ volatile("fninit\n\tfld1\n\tfldpi\n\t"
			 "movdqa (%0), %%xmm3\n\tmovdqa 16(%0), %%xmm9\n\t"
			 "movdqa 32(%0), %%xmm15\n\tldmxcsr (%1)"
			 : : "r"(pattern), "r"(&mxcsr) : "memory");  /* no SSE code here */
}

static void check_fxsr(void)
{
	static uint8_t ram[512] __attribute__((aligned(16)));
	static uint8_t after[512] __attribute__((aligned(16)));
	volatile uint8_t *at = DEV + MMIOTEST_DATA + FXSR_AT;

	fxsr_state();
	/* after begin(): its MARK write is a round trip to the VMM, whose
	 * FPU switch (core/fpu.c, 64-bit FXSAVE) does not keep the x87
	 * FCS/FDS selectors a CPU without their deprecation records (docs/
	 * emulator.md): both images are taken after it */
	begin(47);
	__asm__ volatile("fxsave (%0)" : : "r"(ram) : "memory");
	__asm__ volatile("fxsave (%0)" : : "r"(at) : "memory");
	bool save_exits = exits(0, 52);
	check(save_exits && same(at, ram, 416),
	      "fxsave [mmio]: the 416 bytes as in RAM, 52 writes");

	/* a different state in the image: XMM3 and ST(0) changed, MXCSR
	 * rounding down */
	__asm__ volatile("fxsave64 (%0)" : : "r"(ram) : "memory");
	ram[0xa0] ^= 0xff;                      /* XMM3, byte 0 */
	ram[0x20] ^= 0x01;                      /* ST(0), lowest mantissa byte */
	ram[24 + 1] = 0x3f;                     /* MXCSR 0x3f80: round down */
	for (unsigned int i = 0; i < 416; i += 8) {
		uint64_t v;
		memcpy(&v, ram + i, sizeof(v));
		*(volatile uint64_t *)(at + i) = v;
	}
	begin(48);
	__asm__ volatile("fxrstor64 (%0)\n\tfxsave64 (%1)" : : "r"(at), "r"(after) : "memory");
	bool restore_exits = exits(52, 0);
	check(restore_exits && memcmp(after, ram, 8) == 0 &&
	      memcmp(after + 24, ram + 24, 416 - 24) == 0,
	      "fxrstor64 [mmio]: the state an fxsave64 finds after it as in the image, "
	      "52 reads");
	__asm__ volatile("fninit");
}

/* Check 50: AMD's fast FXSAVE/FXRSTOR (EFER.FFXSR, where CPUID
 * 8000_0001h EDX[25] announces it; APM Vol. 2 3.1.7): in 64-bit mode at
 * CPL 0 FXSAVE stores bytes 0-159 only (x87 state and MXCSR, 20 writes,
 * as an FXSAVE to RAM does then) and FXRSTOR64 loads them (20 reads):
 * ST(0) and MXCSR from the image, XMM0 kept although the image holds
 * another value there. */
#define MSR_EFER   0xc0000080u
#define EFER_FFXSR (1ul << 14)
#define FX_XMM0    0xa0

static bool ffxsr_announced(void)
{
	uint32_t r[4];

	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return false;
	cpuid(0x80000001, 0, r);
	return r[3] >> 25 & 1;
}

static void check_fast_fxsr(void)
{
	static uint8_t ram[512] __attribute__((aligned(16)));
	static uint8_t cur[512] __attribute__((aligned(16)));
	static uint8_t after[512] __attribute__((aligned(16)));
	volatile uint8_t *at = DEV + MMIOTEST_DATA + FXSR_AT;
	uint64_t efer = rdmsr(MSR_EFER);

	fxsr_state();
	__asm__ volatile("fxsave64 (%0)" : : "r"(cur) : "memory");
	begin(50);
	if (!ffxsr_announced()) {
		check(exits(0, 0), "fxsave/fxrstor64 [mmio] with EFER.FFXSR: not announced "
		      "(CPUID 8000_0001h EDX[25] clear)");
		return;
	}
	wrmsr(MSR_EFER, efer | EFER_FFXSR);
	__asm__ volatile("fxsave (%0)" : : "r"(ram) : "memory");
	__asm__ volatile("fxsave (%0)" : : "r"(at) : "memory");
	bool save_exits = exits(0, 20);
	bool saved = same(at, ram, 160);

	/* the image: ST(0) and MXCSR changed, XMM0 another value */
	memcpy(ram, cur, 160);
	ram[0x20] ^= 0x01;
	ram[24 + 1] = 0x3f;                     /* MXCSR 0x3f80 */
	for (unsigned int i = 0; i < 160; i += 8) {
		uint64_t v;
		memcpy(&v, ram + i, sizeof(v));
		*(volatile uint64_t *)(at + i) = v;
	}
	*(volatile uint64_t *)(at + FX_XMM0) = ~*(const uint64_t *)(cur + FX_XMM0);
	*(volatile uint64_t *)(at + FX_XMM0 + 8) = ~*(const uint64_t *)(cur + FX_XMM0 + 8);
	struct counts before = counts_now();
	__asm__ volatile("fxrstor64 (%0)" : : "r"(at) : "memory");
	struct counts done = counts_now();
	wrmsr(MSR_EFER, efer);
	__asm__ volatile("fxsave64 (%0)" : : "r"(after) : "memory");
	check(save_exits && saved && done.reads - before.reads == 20 &&
	      done.writes == before.writes &&
	      after[0x20] == ram[0x20] && memcmp(after + 24, ram + 24, 4) == 0 &&
	      memcmp(after + FX_XMM0, cur + FX_XMM0, 16) == 0,
	      "fxsave/fxrstor64 [mmio] with EFER.FFXSR at CPL 0: bytes 0-159 only "
	      "(20 writes, 20 reads), ST(0) and MXCSR loaded, XMM0 kept");
	__asm__ volatile("fninit");
}

static void check_simd(void)
{
	static uint8_t ram[96] __attribute__((aligned(16)));
	static const uint64_t mm0 = 0x0123456789abcdefull;
	volatile uint8_t *at = DEV + MMIOTEST_DATA + SIMD_AT;
	uint8_t out_ram[72] = { 0 }, out_dev[72] = { 0 };

	simd_input(ram);
	simd_input(at);
	mmx_ops(ram, out_ram, &mm0);
	begin(40);
	mmx_ops(at, out_dev, &mm0);
	bool mmx_exits = exits(3, 2);
	check(mmx_exits && same(at + SIMD_IN, ram + SIMD_IN, 16) &&
	      memcmp(out_dev + 4, out_ram + 4, 2) == 0 &&      /* FSW: TOP */
	      memcmp(out_dev + 8, out_ram + 8, 2) == 0 &&      /* tags */
	      memcmp(out_dev + 32, out_ram + 32, 40) == 0,
	      "movq, paddw, punpcklbw mm, [mmio]; movq [mmio], mm: as on RAM "
	      "(FSW 0x%x, tags 0x%x), 3 reads, 2 writes",
	      (unsigned)env_field(out_dev, 4) & 0xffff,
	      (unsigned)env_field(out_dev, 8) & 0xffff);

	simd_input(ram);
	simd_input(at);
	sse_ops(ram, out_ram);
	begin(41);
	sse_ops(at, out_dev);
	bool sse_exits = exits(10, 4);
	check(sse_exits && same(at + 64, ram + 64, 32) &&
	      memcmp(out_dev, out_ram, 72) == 0,
	      "movdqa, paddd, movups, pshufd, cvtsd2si, ucomiss [mmio]; movdqu, "
	      "movq, movss [mmio]: as on RAM (MXCSR 0x%x), 10 reads, 4 writes",
	      (unsigned)env_field(out_dev, 64));
}

/* ---- every emulated SIMD form, on the device as on RAM -------------------- */

#define FORMS_AT 0x6c0          /* 32 bytes of operand, 16-aligned */
#define REGFORM_AT 0x6e0        /* a register form and RET, 8 bytes */

struct simd_case {
	uint8_t len, bytes[7], size, store, feature, regform, rbytes[7];
};

static const struct simd_case simd_cases[] = {
#include "simd_cases.h"
};

/* The guest's CPUID has feature (emul/emul_private.h FT_*: 1 MMX, 2 SSE,
 * 3 SSE2, 4 SSE3, 5 SSSE3, 6 SSE4.1, 7 SSE4.2, 8 SSE or MMXEXT, 9 3DNow!,
 * 10 3DNow! extensions, 11 PCLMULQDQ, 12 AES-NI, 13 SHA, 14 SSE4a). */
static bool have_feature(unsigned int ft)
{
	uint32_t l1[4], e1[4], l7[4] = { 0 };

	cpuid(1, 0, l1);
	cpuid(0, 0, e1);
	if (e1[0] >= 7)
		cpuid(7, 0, l7);
	cpuid(0x80000000, 0, e1);
	if (e1[0] >= 0x80000001)
		cpuid(0x80000001, 0, e1);
	else
		e1[2] = e1[3] = 0;
	switch (ft) {
	case 1: return l1[3] >> 23 & 1;
	case 2: return l1[3] >> 25 & 1;
	case 3: return l1[3] >> 26 & 1;
	case 4: return l1[2] & 1;
	case 5: return l1[2] >> 9 & 1;
	case 6: return l1[2] >> 19 & 1;
	case 7: return l1[2] >> 20 & 1;
	case 8: return (l1[3] >> 25 & 1) || (e1[3] >> 22 & 1);
	case 9: return e1[3] >> 31 & 1;
	case 10: return e1[3] >> 30 & 1;
	case 11: return l1[2] >> 1 & 1;
	case 12: return l1[2] >> 25 & 1;
	case 13: return l7[1] >> 29 & 1;
	case 14: return e1[2] >> 6 & 1;
	default: return false;
	}
}

/* One run of code (the form, then RET) on p: every MMX/XMM register and
 * MXCSR from in (FXRSTOR), RCX a pattern with bits 63:32 set too (the
 * general-register forms read or write ECX, or RCX with REX.W), RAX and
 * RDX lengths for PCMPESTRx (EAX 7 and EDX -11, but RAX and RDX beyond 16
 * either way: REX.W changes the answer) and RFLAGS as TEST ECX leaves
 * them, then out (FXSAVE), RCX and RFLAGS into r. */
static void __attribute__((noinline)) run_form(const uint8_t *code, volatile uint8_t *p,
					       const uint8_t *in, uint8_t *out, uint64_t *r)
{
	__asm__ volatile("fxrstorq (%2)\n\t"
			 "movabs $0xc1e4d2b78e5f3a71, %%rcx\n\t"
			 "movabs $0xffffffff00000007, %%rax\n\t"
			 "movabs $0x00000001fffffff5, %%rdx\n\t"
			 "test %%ecx, %%ecx\n\t"     /* RFLAGS the same each time */
			 "call *%0\n\t"
			 "pushfq\n\tpopq 8(%4)\n\t"
			 "mov %%rcx, (%4)\n\t"
			 "fxsaveq (%3)"
			 : : "r"(code), "D"(p), "r"(in), "r"(out), "r"(r)
			 : "rax", "rcx", "rdx", "memory", "cc");
}

/* The state every form starts from: TOP 5 (MMX register n is not ST(n)),
 * all tags valid, no exception pending, MXCSR with every exception
 * masked, registers full of a pattern. */
static void forms_state(uint8_t *img)
{
	static const uint16_t fcw = 0x37f, fsw = 5 << 11;
	static const uint32_t mxcsr = 0x1f80;

	__asm__ volatile("fxsaveq (%0)" : : "r"(img) : "memory");
	memcpy(img, &fcw, 2);
	memcpy(img + 2, &fsw, 2);
	img[4] = 0xff;
	memcpy(img + 24, &mxcsr, 4);
	for (unsigned int i = 32; i < 416; i++)
		img[i] = (uint8_t)(i * 37 + (i >> 4) * 11 + 3);
}

static void forms_input(volatile uint8_t *p, unsigned int k)
{
	for (unsigned int i = 0; i < 4; i++)
		((volatile uint64_t *)p)[i] = 0x3ff0d1c2b3a49586ull + 0x9e3779b97f4a7c15ull * (k * 4 + i);
}

/* What a run leaves: FCW, FSW, the tags, MXCSR, the 8 x87/MMX and 16 XMM
 * registers (not the last-instruction pointers: MMX and SSE leave them). */
static bool same_state(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0 && memcmp(a + 24, b + 24, 4) == 0 &&
	       memcmp(a + 32, b + 32, 416 - 32) == 0;
}

/* PCMPESTRx/PCMPISTRx (66 0F 3A 60-63): no alignment requirement (SDM
 * Vol. 2B, each one's exceptions), so they run misaligned as well. */
static bool string_compare(const struct simd_case *c)
{
	for (unsigned int i = 0; i + 2 < c->len; i++)
		if (c->bytes[i] == 0x0f && c->bytes[i + 1] == 0x3a)
			return c->bytes[i + 2] >= 0x60 && c->bytes[i + 2] <= 0x63;
	return false;
}

/* c on RAM and on the device, its operand off bytes into the 32. */
static bool form_matches(const struct simd_case *c, unsigned int k, uint8_t *code,
			 const uint8_t *in, uint8_t *ram, unsigned int off)
{
	static uint8_t out_ram[512] __attribute__((aligned(16)));
	static uint8_t out_dev[512] __attribute__((aligned(16)));
	volatile uint8_t *at = DEV + MMIOTEST_DATA + FORMS_AT;
	uint64_t r_ram[2], r_dev[2], pieces = (c->size + 7) / 8;

	memcpy(code, c->bytes, c->len);
	code[c->len] = 0xc3;
	forms_input(ram, k);
	run_form(code, ram + off, in, out_ram, r_ram);
	forms_input(at, k);
	base = counts_now();
	run_form(code, at + off, in, out_dev, r_dev);
	if (!exits(c->store ? 0 : pieces, c->store ? pieces : 0) ||
	    !same_state(out_ram, out_dev) || r_ram[0] != r_dev[0] ||
	    r_ram[1] != r_dev[1] || !same(at, ram, 32)) {
		say("  form %u (%02x %02x %02x %02x %02x %02x) at +%u differs", k, c->bytes[0],
		    c->bytes[1], c->bytes[2], c->bytes[3], c->bytes[4], c->bytes[5], off);
		return false;
	}
	return true;
}

/* EXTRQ and INSERTQ (66/F2 0F 78, 79; the list has them without REX)
 * leave their destination's upper quadword undefined (AMD APM Vol. 4;
 * an EPYC clears it, Bochs and QEMU keep it): its offset in an FXSAVE
 * image, which the comparison leaves out, or 0 for every other form. */
static unsigned int undefined_quad(const struct simd_case *c)
{
	const uint8_t *b = c->rbytes;
	unsigned int n;

	if (c->len < 4 || (b[0] != 0x66 && b[0] != 0xf2) || b[1] != 0x0f ||
	    (b[2] != 0x78 && b[2] != 0x79))
		return 0;
	/* EXTRQ's imm form names xmm1 in ModRM.rm, the others in ModRM.reg */
	n = b[0] == 0x66 && b[2] == 0x78 ? (b[3] & 7u) : (b[3] >> 3 & 7u);
	return 160 + 16 * n + 8;
}

/* The register form of c, with RET, from RAM and from the device (a
 * fetch is its only MMIO access): the same state after both. */
static bool regform_matches(const struct simd_case *c, unsigned int k, uint8_t *code,
			    const uint8_t *in, uint8_t *ram)
{
	static uint8_t out_ram[512] __attribute__((aligned(16)));
	static uint8_t out_dev[512] __attribute__((aligned(16)));
	uint64_t r_ram[2], r_dev[2], q = 0xc3c3c3c3c3c3c3c3ull;

	memcpy(code, c->rbytes, c->len);
	code[c->len] = 0xc3;
	memcpy(&q, code, c->len + 1);
	REG64(MMIOTEST_DATA + REGFORM_AT) = q;
	run_form(code, ram, in, out_ram, r_ram);
	struct counts before = counts_now();
	run_form((const uint8_t *)(MMIOTEST_GPA + MMIOTEST_DATA + REGFORM_AT), ram, in,
		 out_dev, r_dev);
	struct counts after = counts_now();
	unsigned int u = undefined_quad(c);
	if (u)
		memcpy(out_dev + u, out_ram + u, 8);
	if (after.writes != before.writes || after.reads == before.reads ||
	    !same_state(out_ram, out_dev) || r_ram[0] != r_dev[0] || r_ram[1] != r_dev[1]) {
		say("  register form %u (%02x %02x %02x %02x %02x %02x) differs", k,
		    c->rbytes[0], c->rbytes[1], c->rbytes[2], c->rbytes[3], c->rbytes[4],
		    c->rbytes[5]);
		return false;
	}
	return true;
}

static void check_simd_forms(void)
{
	static uint8_t in[512] __attribute__((aligned(16)));
	static uint8_t ram[32] __attribute__((aligned(16)));
	static uint8_t code[16];
	unsigned int n = sizeof(simd_cases) / sizeof(simd_cases[0]), ran = 0, bad = 0;

	forms_state(in);
	begin(42);
	struct counts start = base;
	for (unsigned int k = 0; k < n; k++) {
		/* (operand size 0: a register-only form, tested below) */
		if (!have_feature(simd_cases[k].feature) || simd_cases[k].size == 0)
			continue;
		ran++;
		bad += !form_matches(&simd_cases[k], k, code, in, ram, 0);
		if (string_compare(&simd_cases[k]))
			bad += !form_matches(&simd_cases[k], k, code, in, ram, 1);
	}
	__asm__ volatile("emms");
	check(bad == 0 && ran > 0,
	      "every emulated MMX/SSE/3DNow! form on [mmio] as on RAM: registers, MXCSR, "
	      "RCX, RFLAGS, memory, the exits");

	/* their register forms, run from the device as from RAM */
	unsigned int reg_ran = 0, reg_bad = 0;
	begin(43);
	for (unsigned int k = 0; k < n; k++) {
		/* (EXTRQ and INSERTQ: check 54) */
		if (!simd_cases[k].regform || !have_feature(simd_cases[k].feature) ||
		    undefined_quad(&simd_cases[k]))
			continue;
		reg_ran++;
		reg_bad += !regform_matches(&simd_cases[k], k, code, in, ram);
	}
	__asm__ volatile("emms");
	struct counts end = counts_now();
	say("%u of %u SIMD forms run, %u register forms (the others need a feature this "
	    "CPU lacks, or are register-only); device traffic %lu reads, %lu writes", ran, n, reg_ran,
	    (unsigned long)(end.reads - start.reads), (unsigned long)(end.writes - start.writes));
	check(reg_bad == 0 && reg_ran > 0,
	      "their register forms called on the device as from RAM: registers, MXCSR, "
	      "RCX, RFLAGS, no data access");
}

/* ---- SIMD faults on the device as from RAM ---------------------------------- */

#define FAULTS_AT 0x6a0         /* 16-aligned */

static volatile unsigned long fault_vector, fault_error, fault_skip;

/* Records the exception and resumes after the faulting instruction,
 * whose length the check sets in fault_skip. */
static void simd_fault_handler(struct isr_frame *f)
{
	fault_vector = f->vector;
	fault_error = f->error;
	f->ip += fault_skip;
}

struct fault_run {
	unsigned long vector;
	uint32_t mxcsr;
	uint64_t xmm1[2];
};

/* divps (%rax), %xmm1 (0f 5e 08, 3 bytes) with MXCSR = mxcsr: XMM1 and
 * MXCSR after it, and the exception, if any. */
static void __attribute__((noinline)) divps_at(volatile uint8_t *p, uint32_t mxcsr,
					       struct fault_run *r)
{
	static const uint64_t ones[2] = { 0x3f8000003f800000ull, 0x3f8000003f800000ull };

	fault_vector = ~0ul;
	fault_skip = 3;
	__asm__ volatile("ldmxcsr %2\n\t"
			 "movdqu %3, %%xmm1\n\t"
			 ".byte 0x0f, 0x5e, 0x08\n\t"       /* divps (%rax), %xmm1 */
			 "stmxcsr %1\n\t"
			 "movdqu %%xmm1, %0"
			 : "=m"(r->xmm1), "=m"(r->mxcsr)
			 : "m"(mxcsr), "m"(ones), "a"(p) : "memory");
	r->vector = fault_vector;
}

/* movdqa (%rax), %xmm1 (66 0f 6f 08, 4 bytes) at p: the exception. */
static unsigned long __attribute__((noinline)) movdqa_at(volatile uint8_t *p)
{
	fault_vector = ~0ul;
	fault_skip = 4;
	__asm__ volatile(".byte 0x66, 0x0f, 0x6f, 0x08" : : "a"(p) : "memory");
	return fault_vector;
}

/* paddb (%rax), %mm1 (0f fc 08, 3 bytes) with an x87 #Z pending: the
 * exception. */
static unsigned long __attribute__((noinline)) paddb_pending_at(volatile uint8_t *p)
{
	static const uint16_t cw_zm_clear = 0x37b;
	static const uint64_t zero = 0;

	fault_vector = ~0ul;
	fault_skip = 3;
	__asm__ volatile("fninit\n\tfldcw %1\n\tfld1\n\tfdivl %2\n\t"   /* 1 / 0 */
			 ".byte 0x0f, 0xfc, 0x08\n\t"       /* paddb (%rax), %mm1 */
			 "fninit\n\temms"
			 : : "a"(p), "m"(cw_zm_clear), "m"(zero) : "memory");
	return fault_vector;
}

static void check_simd_faults(void)
{
	static uint8_t ram[32] __attribute__((aligned(16)));
	volatile uint8_t *at = DEV + MMIOTEST_DATA + FAULTS_AT;
	const uint32_t zm_clear = 0x1f80 & ~0x200u;
	struct fault_run r_ram, r_dev;
	uint32_t mx_saved;

	__asm__ volatile("stmxcsr %0" : "=m"(mx_saved));
	idt_install(simd_fault_handler);
	/* 1.0 / (2.0, 0, 4.0, 0): #Z in two elements, unmasked */
	for (unsigned int i = 0; i < 4; i++) {
		uint32_t v = (i & 1) ? 0 : 0x40000000u + 0x800000u * (i / 2);

		memcpy(ram + 4 * i, &v, 4);
	}
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t q;

		memcpy(&q, ram + 8 * i, 8);
		((volatile uint64_t *)at)[i] = q;
	}
	divps_at(ram, zm_clear, &r_ram);
	begin(44);
	divps_at(at, zm_clear, &r_dev);
	bool two_reads = exits(2, 0);
	say("divps with #Z unmasked: vector %ld, MXCSR 0x%x (from RAM: %ld, 0x%x)",
	    (long)r_dev.vector, r_dev.mxcsr, (long)r_ram.vector, r_ram.mxcsr);
	check(two_reads && r_dev.vector == r_ram.vector && r_dev.mxcsr == r_ram.mxcsr &&
	      memcmp(r_dev.xmm1, r_ram.xmm1, sizeof(r_dev.xmm1)) == 0,
	      "divps xmm1, [mmio] with #Z unmasked: the exception, MXCSR and XMM1 as "
	      "from RAM, 2 reads");

	unsigned long gp_ram = movdqa_at(ram + 8);
	begin(45);
	unsigned long gp_dev = movdqa_at(at + 8);
	check(exits(0, 0) && gp_dev == 13 && gp_ram == 13 && fault_error == 0,
	      "movdqa xmm1, [mmio + 8]: #GP(0) as from RAM, no access");

	unsigned long mf_ram = paddb_pending_at(ram);
	begin(46);
	unsigned long mf_dev = paddb_pending_at(at);
	check(exits(0, 0) && mf_dev == 16 && mf_ram == 16,
	      "paddb mm1, [mmio] with an x87 #Z pending: #MF as from RAM, no access");
	say("paddb with #Z pending: vector %ld (from RAM: %ld)", (long)mf_dev, (long)mf_ram);
	__asm__ volatile("ldmxcsr %0" : : "m"(mx_saved));
}

/* ---- SSE4a's EXTRQ and INSERTQ from the device ----------------------------- */

/* c (EXTRQ or INSERTQ) from RAM and from the device on a CPU without
 * SSE4a: #UD both times (the guest's own handler skips it). */
static bool sse4a_ud(const struct simd_case *c, uint8_t *code, const uint8_t *in, uint8_t *ram)
{
	static uint8_t out[512] __attribute__((aligned(16)));
	uint64_t r[2], q = 0xc3c3c3c3c3c3c3c3ull;
	unsigned long v_ram, v_dev;

	memcpy(code, c->rbytes, c->len);
	code[c->len] = 0xc3;
	memcpy(&q, code, c->len + 1);
	REG64(MMIOTEST_DATA + REGFORM_AT) = q;
	fault_skip = c->len;
	fault_vector = ~0ul;
	run_form(code, ram, in, out, r);
	v_ram = fault_vector;
	fault_vector = ~0ul;
	run_form((const uint8_t *)(MMIOTEST_GPA + MMIOTEST_DATA + REGFORM_AT), ram, in, out, r);
	v_dev = fault_vector;
	return v_ram == 6 && v_dev == 6;
}

/* Check 54: the list's EXTRQ and INSERTQ forms (register only; the
 * emulator computes them, emul/exec_sse4a.c) called on the device as
 * from RAM, where CPUID has SSE4a (the destination's undefined upper
 * quadword left out); where it lacks it, #UD from both. */
static void check_sse4a(void)
{
	static uint8_t in[512] __attribute__((aligned(16)));
	static uint8_t ram[32] __attribute__((aligned(16)));
	static uint8_t code[16];
	unsigned int n = sizeof(simd_cases) / sizeof(simd_cases[0]), ran = 0, bad = 0;
	bool have = have_feature(14);

	forms_state(in);
	idt_install(simd_fault_handler);
	begin(54);
	struct counts start = base;
	for (unsigned int k = 0; k < n; k++) {
		if (!undefined_quad(&simd_cases[k]))
			continue;
		ran++;
		bad += have ? !regform_matches(&simd_cases[k], k, code, in, ram) :
			      !sse4a_ud(&simd_cases[k], code, in, ram);
	}
	struct counts end = counts_now();
	say("%u SSE4a forms called on the device (%s); device traffic %lu reads, %lu writes", ran,
	    have ? "SSE4a announced" : "SSE4a hidden: #UD",
	    (unsigned long)(end.reads - start.reads), (unsigned long)(end.writes - start.writes));
	check(bad == 0 && ran == 5,
	      have ? "extrq and insertq called on the device as from RAM: registers, no data access"
		   : "extrq and insertq on the device without SSE4a: #UD as from RAM");
}

/* INVPCID type 2 (everything, globals too) with its 16-byte descriptor
 * on the device: two 8-byte reads, then the hypervisor flushes the
 * guest's TLB (emul/exec_invpcid.c). Where CPUID hides INVPCID there is
 * nothing to check here (it is #UD). */
static void check_invpcid(void)
{
	uint32_t r[4];

	cpuid(7, 0, r);
	REG64(MMIOTEST_DATA + X87_AT + 0xf0) = 0;
	REG64(MMIOTEST_DATA + X87_AT + 0xf8) = 0;
	begin(49);
	if (!(r[1] & (1u << 10))) {
		check(exits(0, 0), "invpcid [mmio]: not announced (CPUID.7.0 EBX[10] clear)");
		return;
	}
	__asm__ volatile("invpcid (%0), %1"
			 : : "r"(MMIOTEST_GPA + MMIOTEST_DATA + X87_AT + 0xf0), "r"(2ul)
			 : "memory");
	check(exits(2, 0), "invpcid [mmio], type 2: the descriptor in two 8-byte reads");
}

int main(void)
{
	unsigned int failures;

	con_init();
	say("hello from 64-bit long mode, mmio test device at 0x%lx", MMIOTEST_GPA);
	mmiotest_map();
	REG64(MMIOTEST_RESET) = 1;
	check_id();
	check_mov_sizes();
	check_rmw();
	check_exchanges();
	check_bits();
	check_push_pop();
	check_movs();
	check_stos();
	check_seq_and_unclaimed();
	check_code_in_mmio();
	check_fences_in_mmio();
	check_maskmov();
	check_x87();
	check_simd();
	check_simd_forms();
	check_simd_faults();
	check_fxsr();
	check_invpcid();
	check_fast_fxsr();
	check_sse4a();
	check_gpr_forms();
	check_grp15_forms();
	REG64(MMIOTEST_MARK) = 0;
	failures = finish();

	/* Exit, then (on the next run) CMPXCHG16B (0F C7 /1 with REX.W) on
	 * 16-byte-aligned MMIO: two reads, then two writes. */
	__asm__ volatile("outb %b0, %w1\n\t"
			 "lock cmpxchg16b (%2)\n\t"
			 "1: cli; hlt; jmp 1b"
			 : : "a"(failures > 255 ? 255 : failures),
			     "Nd"((uint16_t)DEBUG_EXIT_PORT),
			     "r"(MMIOTEST_GPA + 0x500), "d"(0), "b"(0), "c"(0)
			 : "memory");
	return 0;
}
