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
#include "guest.h"

const char guest_name[] = "mmio";
unsigned long entry_rflags;             /* recorded by long64/entry.S */

int main(void);

#define DEV ((volatile uint8_t *)MMIOTEST_GPA)
#define REG64(off) (*(volatile uint64_t *)(MMIOTEST_GPA + (off)))
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
static void begin(unsigned int n)
{
	REG64(MMIOTEST_MARK) = n;
	base = counts_now();
}

/* True if exactly r reads and w writes happened since begin(). */
static bool exits(uint64_t r, uint64_t w)
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

/* ---- x87 on the device: the emulator has the vCPU's FPU run them ---------- */

#define X87_AT  0x700           /* data offsets the x87 checks use */
#define ENV_FIP 12              /* the 28-byte FNSTENV image */
#define ENV_FOP 16              /* FCS in bits 15:0, FOP in 26:16 */
#define ENV_FDP 20

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
	begin(39);
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
	check_x87();
	check_invpcid();
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
